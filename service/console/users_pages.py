"""/users (admin): the people who sign in; add, disable (asked first), enable again,
reset a password."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from service.audit.service import audit
from service.console.confirming import ask_first
from service.console.deps import ConsoleAdmin
from service.console.forms import FormState
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.deps import NowDep, ResourceId, SessionDep
from service.errors import Conflict, DomainError
from service.users.models import Role
from service.users.passwords import MIN_LENGTH
from service.users.service import (
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    set_password,
)

router = console_router()

ROLES = [(Role.staff.value, "Staff"), (Role.admin.value, "Admin")]


def _users_page(
    request: Request, db: SessionDep, form: FormState | None = None, status_code: int = 200
) -> Response:
    form = form or FormState(values={"role": Role.staff.value})
    context = {
        "title": "Users",
        "people": list_users(db),
        "roles": ROLES,
        "values": form.values,
        "errors": form.errors,
        "min_length": MIN_LENGTH,
    }
    return render(request, "users.html", context, status_code=status_code)


@router.get("/users")
def users_page(request: Request, admin: ConsoleAdmin, db: SessionDep) -> Response:
    return _users_page(request, db)


@router.post("/users")
def add_user(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    now: NowDep,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    form = FormState(values={"name": name, "email": email, "role": role, "password": ""})
    form.require("name", "Enter the person's name")
    form.require("email", "Enter their email address")
    if not password:
        form.error("password", "Enter a first password for them")
    if form.ok:
        try:
            person = create_user(db, email=email, name=name, role=role, password=password, now=now)
            audit(
                db,
                admin.subject,
                "create",
                "user",
                person.id,
                at=now,
                fields=["email", "name"],
                after={"id": person.id, "role": person.role},
            )
            db.commit()
            return see_other(request, "/users", flash=f"{person.name} can now sign in.")
        except DomainError as exc:
            db.rollback()
            form.from_domain_error(exc, fallback_field="email")
    return _users_page(request, db, form, status_code=422)


@router.post("/users/{user_id}/disable")
def disable(
    user_id: ResourceId,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    now: NowDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    person = get_user(db, user_id)
    if person.id == admin.subject.id:
        raise Conflict("you cannot disable your own account; ask another admin", field="user_id")
    if confirm != "yes" and person.active:
        return ask_first(
            request,
            f"Disable {person.name}?",
            [
                f"{person.name} ({person.email}) is signed out at once and cannot sign in "
                "again until an admin enables the account.",
                "What they did stays in the audit under their name.",
            ],
            f"Disable {person.name}",
            "/users",
        )
    if disable_user(db, person, now):
        audit(
            db,
            admin.subject,
            "disable",
            "user",
            person.id,
            at=now,
            before={"status": "active"},
            after={"status": "disabled"},
        )
    db.commit()
    return see_other(request, "/users", flash=f"{person.name} is disabled and signed out.")


@router.post("/users/{user_id}/enable")
def enable(
    user_id: ResourceId, request: Request, admin: ConsoleAdmin, db: SessionDep, now: NowDep
) -> Response:
    person = get_user(db, user_id)
    if enable_user(db, person, now):
        audit(
            db,
            admin.subject,
            "enable",
            "user",
            person.id,
            at=now,
            before={"status": "disabled"},
            after={"status": "active"},
        )
    db.commit()
    return see_other(
        request, "/users", flash=f"{person.name} can sign in again with their password."
    )


@router.get("/users/{user_id}/password")
def password_form(
    user_id: ResourceId, request: Request, admin: ConsoleAdmin, db: SessionDep
) -> Response:
    person = get_user(db, user_id)
    context = {
        "title": f"Reset the password of {person.name}",
        "person": person,
        "min_length": MIN_LENGTH,
    }
    return render(request, "user_password.html", context)


@router.post("/users/{user_id}/password")
def reset_password(
    user_id: ResourceId,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    now: NowDep,
    password: Annotated[str, Form()] = "",
) -> Response:
    person = get_user(db, user_id)
    form = FormState(values={"password": ""})
    if not password:
        form.error("password", "Enter the new password")
    if form.ok:
        try:
            set_password(db, person, password, now)
            audit(
                db,
                admin.subject,
                "reset_password",
                "user",
                person.id,
                at=now,
                fields=["password"],
            )
            db.commit()
            return see_other(
                request,
                "/users",
                flash=f"New password set for {person.name}; their sessions ended.",
            )
        except DomainError as exc:
            db.rollback()
            form.from_domain_error(exc, fallback_field="password")
    context = {
        "title": f"Error: Reset the password of {person.name}",
        "person": person,
        "errors": form.errors,
        "min_length": MIN_LENGTH,
    }
    return render(request, "user_password.html", context, status_code=422)
