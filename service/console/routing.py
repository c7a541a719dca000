"""`console_router()`: every console page gets the CSRF check, HTML error pages and the
security headers, without each page repeating them."""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlmodel import Session

from service.console.deps import (
    LOGIN_PATH,
    SESSION_COOKIE,
    ConsoleForbidden,
    LoginRequired,
    check_csrf,
)
from service.console.formatting import sentence, staff_words
from service.console.rendering import render, secure
from service.errors import DomainError
from service.users.sessions import find_signed_in


def _login_redirect(request: Request) -> Response:
    # After signing in, a GET comes back to the page asked for; a POST starts afresh.
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    location = LOGIN_PATH
    if request.method == "GET" and target != "/":
        location += "?next=" + quote(target, safe="")
    return RedirectResponse(location, status_code=303)


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def wants_a_page(request: Request) -> bool:
    """A browser asking for a page (an unknown console address), not an API client."""
    accepts_html = "text/html" in request.headers.get("accept", "")
    return accepts_html and not request.url.path.startswith(("/v1/", "/console-assets/"))


def not_found_page(request: Request) -> HTMLResponse:
    """The console's page for an unknown address, with the header and menu of a person
    signed in (looked up without touching their session: a typo is not activity)."""
    message = "There is no page at this address. Check it, or start again from Today."
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return secure(error_page(request, 404, "Page not found", message))  # type: ignore[return-value]
    state = request.app.state
    with Session(state.engine) as db:
        request.state.signed_in = find_signed_in(
            db, token, state.clock(), state.settings, touch=False
        )
        # Rendered while the person's row is still attached to its session.
        return secure(error_page(request, 404, "Page not found", message))  # type: ignore[return-value]


class ConsoleRoute(APIRoute):
    """Turns the console's refusals into pages (not JSON) and secures every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handle(request)
            except LoginRequired:
                response = _login_redirect(request)
            except ConsoleForbidden as exc:
                response = error_page(request, 403, "You cannot do this", exc.message)
            except RequestValidationError:
                # Only path parameters are declared on console routes: a malformed id.
                response = error_page(request, 404, "Page not found", "Check the address.")
            except DomainError as exc:
                title = "Not found" if exc.status_code == 404 else "This could not be done"
                message = sentence(staff_words(exc.message))
                response = error_page(request, exc.status_code, title, message)
            return secure(response)

        return console_handler


def console_router(**kwargs: Any) -> APIRouter:
    """An APIRouter for console pages: CSRF-checked POSTs, HTML answers, not in /docs."""
    return APIRouter(
        route_class=ConsoleRoute,
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(check_csrf)],
        **kwargs,
    )
