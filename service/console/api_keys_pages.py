"""/api-keys (admin): keys for machines (an EHR, a script); the secret is shown once."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from service.api_keys.service import get_api_key, issue_api_key, list_api_keys, revoke_api_key
from service.auth.models import ApiKey
from service.console.confirming import ask_first
from service.console.deps import ConsoleAdmin
from service.console.forms import FormState
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.deps import NowDep, ResourceId, SessionDep
from service.errors import DomainError
from service.users.models import Role

router = console_router()

ROLES = [(Role.staff.value, "Staff"), (Role.admin.value, "Admin")]


def _page(
    request: Request,
    db: SessionDep,
    form: FormState | None = None,
    created: tuple[ApiKey, str] | None = None,
    status_code: int = 200,
) -> Response:
    form = form or FormState(values={"role": Role.staff.value})
    keys = list_api_keys(db, revoked_last=True)
    context = {
        "title": "API keys",
        "keys": keys,
        "roles": ROLES,
        "values": form.values,
        "errors": form.errors,
        "created": created,
    }
    return render(request, "api_keys.html", context, status_code=status_code)


@router.get("/api-keys")
def api_keys_page(request: Request, admin: ConsoleAdmin, db: SessionDep) -> Response:
    return _page(request, db)


@router.post("/api-keys")
def create_key(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    now: NowDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    """Answers with the page itself (no redirect): the secret must not travel further."""
    form = FormState(values={"name": name, "role": role})
    label = form.require("name", "Enter what will use the key, such as 'EHR interface'")
    if len(label) > 200:
        form.error("name", "The name must be at most 200 characters")
    if form.ok:
        try:
            key, secret = issue_api_key(db, admin.subject, role=role, name=label, now=now)
            db.commit()
            return _page(request, db, created=(key, secret), status_code=201)
        except DomainError as exc:
            db.rollback()
            form.from_domain_error(exc, fallback_field="name")
    return _page(request, db, form, status_code=422)


@router.post("/api-keys/{key_id}/revoke")
def revoke_key(
    key_id: ResourceId,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    now: NowDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        found = get_api_key(db, key_id)
        if found.revoked_at is None:
            return ask_first(
                request,
                f"Revoke the key {found.prefix}… ({found.name})?",
                [
                    "Whatever uses this key (an EHR interface, a script) gets “401 not "
                    "signed in” from its next call, at once.",
                    "A revoked key cannot be brought back: the system needs a new key.",
                ],
                "Revoke the key",
                "/api-keys",
            )
    key = revoke_api_key(db, key_id, admin.subject, now)
    db.commit()
    return see_other(request, "/api-keys", flash=f"The key {key.prefix}… ({key.name}) is revoked.")
