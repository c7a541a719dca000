"""The question a console page asks before a change that cannot be taken back at once
(disabling a person, revoking a key): the same POST again with `confirm=yes` does it."""

from fastapi import Request
from fastapi.responses import Response

from service.console.rendering import render


def ask_first(
    request: Request, title: str, explanation: list[str], button: str, back: str
) -> Response:
    """A page asking `title`, whose red button posts back to this address confirmed."""
    context = {
        "title": title,
        "explanation": explanation,
        "action": request.url.path,
        "button": button,
        "back": back,
    }
    return render(request, "confirm_action.html", context)
