"""/login and /logout."""

import secrets
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from service.console.deps import (
    LOGIN_CSRF_COOKIE,
    LOGIN_PATH,
    SESSION_COOKIE,
    MaybeSignedIn,
    SignedInDep,
)
from service.console.forms import FormState
from service.console.rendering import render, secure_cookies, see_other
from service.console.routing import console_router
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import NotAuthenticated, TooManyAttempts
from service.users.login import log_in
from service.users.sessions import end_session, start_session

router = console_router()


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect to another one.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(
    request: Request, form: FormState, next_url: str, status_code: int = 200
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {
            "values": form.values,
            "errors": form.errors,
            "login_token": token,
            "next": next_url,
            "signed_out": request.query_params.get("signed_out") == "1",
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path=LOGIN_PATH,
    )
    return response


@router.get(LOGIN_PATH)
def login_form(
    request: Request,
    found: MaybeSignedIn,
    next: str | None = None,
    signed_out: str | None = None,  # declared: unknown query parameters are refused
) -> Response:
    if found is not None:
        return see_other(request, _safe_next(next))
    return _login_page(request, FormState(), _safe_next(next))


@router.post(LOGIN_PATH)
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    form = FormState(values={"email": email.strip()})
    form.require("email", "Enter your email address")
    if not password:
        form.error("password", "Enter your password")
    if not form.ok:
        return _login_page(request, form, _safe_next(next), status_code=422)
    address = request.client.host if request.client else "unknown"
    try:
        user = log_in(db, email, password, address, now, settings)
    except TooManyAttempts as exc:
        form.error("email", exc.message)
        return _login_page(request, form, _safe_next(next), status_code=429)
    except NotAuthenticated as exc:
        form.error("email", exc.message)
        return _login_page(request, form, _safe_next(next), status_code=400)
    _, token = start_session(db, user, now)
    db.commit()
    response = see_other(request, _safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout")
def logout(request: Request, found: SignedInDep, db: SessionDep, now: NowDep) -> Response:
    end_session(db, found.session, now)
    db.commit()
    response = see_other(request, f"{LOGIN_PATH}?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
