"""Pages from Jinja templates, each answer carrying the console's security headers."""

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from service.auth.principals import staff_principal
from service.console import formatting
from service.patients.phone import national_format
from service.users.sessions import SignedIn

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


@pass_context
def _phone(context: Context, e164: str | None) -> str:
    """`{{ patient.phone | phone }}`: the clinic's national format (links keep E.164)."""
    if not e164:
        return ""
    return national_format(e164, context["request"].app.state.settings.clinic_phone_region)


TEMPLATES.env.filters.update(
    phone=_phone,
    local_datetime=formatting.local_datetime,
    local_date=formatting.local_date,
    local_time=formatting.local_time,
    zone_label=formatting.zone_label,
    sentence=formatting.sentence,
    step_label=formatting.step_label,
    national_phone=national_format,
)

FLASH_COOKIE = "console_flash"

# (path, label, admins only): the header's navigation, in the order people use it.
NAV: list[tuple[str, str, bool]] = [
    ("/", "Today", False),
    ("/patients", "Patients", False),
    ("/procedures", "Procedures", False),
    ("/inbox", "Inbox", False),
    ("/templates", "Texts", False),
    ("/plan", "Plan", True),
    ("/check-in-questions", "Questions", True),
    ("/outcomes", "Outcomes", True),
    ("/users", "Users", True),
    ("/api-keys", "API keys", True),
    ("/audit", "Audit", True),
    ("/imports/new", "Import", False),
    ("/feeds", "Feeds", True),
]

SECURITY_HEADERS = {
    # Pages show patients' details: never keep them in a shared computer's cache.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _nav_for(request: Request, found: SignedIn | None) -> list[dict[str, Any]]:
    if found is None:
        return []
    path = request.url.path
    items = []
    for href, label, admin_only in NAV:
        if admin_only and not staff_principal(found.user).is_admin:
            continue
        current = path == href if href == "/" else path == href or path.startswith(href + "/")
        items.append({"href": href, "label": label, "current": current})
    return items


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page `template` with the signed-in person, nav, CSRF token and flash."""
    found: SignedIn | None = getattr(request.state, "signed_in", None)
    settings = request.app.state.settings
    flash = request.cookies.get(FLASH_COOKIE)
    page: dict[str, Any] = {
        "clinic_name": settings.clinic_name,
        "clinic_timezone": settings.clinic_timezone,
        "user": found.user if found else None,
        "csrf_token": found.session.csrf_token if found else "",
        "nav": _nav_for(request, found),
        "flash": unquote(flash) if flash else None,
        "errors": {},
        "values": {},
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, page, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return secure(response)  # type: ignore[return-value]


def see_other(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    """POST-redirect-GET; `flash` is shown once on the next page ("User added")."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash),
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
            path="/",
        )
    secure(response)
    return response


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the clinic serves the console over https."""
    base = request.app.state.settings.public_base_url or ""
    return base.lower().startswith("https://")
