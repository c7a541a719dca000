"""Who is signed in: `ConsoleUser` (a `StaffPrincipal`: any active person) and
`ConsoleAdmin` (an `AdminPrincipal`) in a page's signature, the same principal types that
`StaffKey`/`AdminKey` give the API."""

import hmac
from typing import Annotated

from fastapi import Depends, Request

from service.auth.principals import AdminPrincipal, StaffPrincipal, as_admin, staff_principal
from service.deps import SessionDep, SettingsDep
from service.users.sessions import SignedIn, find_signed_in

SESSION_COOKIE = "console_session"
# Before login there is no session to tie a token to: the login form's token is
# matched against this cookie instead (double submit), so no other site can sign a
# browser in to an account of its choosing.
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/login"


class LoginRequired(Exception):
    """No live session: the page answers with a redirect to /login."""


class ConsoleForbidden(Exception):
    """Signed in, but this page is for admins (or the form's token is missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


REFRESH_HEADER = "X-Console-Refresh"


def signed_in_or_none(request: Request, db: SessionDep, settings: SettingsDep) -> SignedIn | None:
    """The live session behind the request's cookie, if any (cached per request)."""
    token = request.cookies.get(SESSION_COOKIE)
    found = None
    if token:
        # A page refreshing itself (live.js) is not a person at the desk: it must not
        # keep an unattended screen signed in past the idle limit.
        touch = request.headers.get(REFRESH_HEADER) != "1"
        found = find_signed_in(db, token, request.app.state.clock(), settings, touch=touch)
    request.state.signed_in = found
    return found


MaybeSignedIn = Annotated[SignedIn | None, Depends(signed_in_or_none)]


async def signed_in(found: MaybeSignedIn) -> SignedIn:
    if found is None:
        raise LoginRequired()
    return found


async def console_user(found: Annotated[SignedIn, Depends(signed_in)]) -> StaffPrincipal:
    # The same principals as the API's: an admin person comes back as an AdminPrincipal.
    return staff_principal(found.user)


async def console_admin(
    principal: Annotated[StaffPrincipal, Depends(console_user)],
) -> AdminPrincipal:
    admin = as_admin(principal)
    if admin is None:
        raise ConsoleForbidden("This page is for admins. Ask an admin if you need it.")
    return admin


SignedInDep = Annotated[SignedIn, Depends(signed_in)]
ConsoleUser = Annotated[StaffPrincipal, Depends(console_user)]
ConsoleAdmin = Annotated[AdminPrincipal, Depends(console_admin)]


async def check_csrf(request: Request, found: MaybeSignedIn) -> None:
    """Every console POST must carry the form token of its session; runs on every
    console route (see `console_router`), before the page's own code."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.url.path == LOGIN_PATH:
        # Signing in (again) carries the login form's token, whoever was signed in before.
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    elif found is not None:
        expected = found.session.csrf_token
    else:
        # Nothing can change without a session; send the person to sign in.
        raise LoginRequired()
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise ConsoleForbidden(
            "This form has expired or did not come from this site. Go back, reload the "
            "page and try again."
        )
