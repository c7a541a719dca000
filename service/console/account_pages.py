"""/account/password: a person changes their own password (any role)."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from service.audit.service import audit
from service.console.deps import ConsoleUser
from service.console.forms import FormState
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.deps import NowDep, SessionDep
from service.errors import DomainError
from service.users.models import User
from service.users.passwords import MIN_LENGTH
from service.users.service import change_own_password

router = console_router()


def _page(request: Request, form: FormState, status_code: int = 200) -> Response:
    context = {
        "title": ("Error: " if form.errors else "") + "Change your password",
        "errors": form.errors,
        "min_length": MIN_LENGTH,
    }
    return render(request, "account_password.html", context, status_code=status_code)


@router.get("/account/password")
def password_page(request: Request, user: ConsoleUser) -> Response:
    return _page(request, FormState())


@router.post("/account/password")
def change_password(
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    now: NowDep,
    current_password: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    # Passwords are never typed back into a page.
    form = FormState(values={"current_password": "", "password": ""})
    if not current_password:
        form.error("current_password", "Enter your current password")
    if not password:
        form.error("password", "Enter the new password")
    person = user.subject
    if form.ok and isinstance(person, User):  # a console principal is always a person
        try:
            change_own_password(db, person, current_password, password, now)
            audit(db, person, "change_password", "user", person.id, at=now, fields=["password"])
            db.commit()
            # Every session ended with the old password, this one too.
            return see_other(request, "/login", flash="Password changed. Sign in with the new one.")
        except DomainError as exc:
            db.rollback()
            form.from_domain_error(exc, fallback_field="password")
    return _page(request, form, status_code=422)
