"""Who may call what: the API and the console share the principal types, and each route
names the one it needs."""

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

import service.app as app_module
from service.auth.deps import admin_key, staff_key
from service.auth.models import ApiKey
from service.auth.principals import AdminPrincipal, StaffPrincipal, as_admin, staff_principal
from service.users.models import Role, User

# Twilio signs these; they take no API key.
TWILIO_CALLBACKS = "/v1/twilio/"


def _calls(dependant: Dependant) -> set[object]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def test_every_api_route_names_who_may_call_it():
    # The routers the app mounts (service/app.py imports each one by name).
    routers = [v for v in vars(app_module).values() if isinstance(v, APIRouter)]
    routes = [
        r
        for router in routers
        for r in router.routes
        if isinstance(r, APIRoute) and r.path.startswith("/v1")
    ]
    assert len(routes) > 30
    unguarded = []
    admin_routes = set()
    for route in routes:
        if route.path.startswith(TWILIO_CALLBACKS):
            continue
        calls = _calls(route.dependant)
        if admin_key in calls:
            admin_routes.add(route.path)
        elif staff_key not in calls:
            unguarded.append(f"{sorted(route.methods)} {route.path}")
    assert unguarded == []
    # The clinic's setup is for admins only.
    assert {"/v1/plan", "/v1/api-keys", "/v1/audit"} <= admin_routes


def test_an_admin_is_staff_too_but_staff_is_never_an_admin():
    for subject in (ApiKey(name="desk", role=Role.staff), User(name="Ana", role=Role.staff)):
        principal = staff_principal(subject)
        assert type(principal) is StaffPrincipal
        assert as_admin(principal) is None
        assert not principal.is_admin
    for subject in (ApiKey(name="ops", role=Role.admin), User(name="Bo", role=Role.admin)):
        principal = staff_principal(subject)
        assert isinstance(principal, AdminPrincipal)
        assert isinstance(principal, StaffPrincipal)  # admins can do what staff can
        assert as_admin(principal) is principal
        assert principal.subject is subject
