"""Unknown query parameters are refused (422) instead of silently ignored: `?satus=failed`
would otherwise answer for `failed` by default, and a client would never know."""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.edge.body_limit import WEBHOOK_PREFIX
from service.errors import InvalidInput

_CACHE_ATTRIBUTE = "_mild_reminders_query_names"


def _declared(route: APIRoute) -> frozenset[str]:
    # Kept on the route itself: it lives and dies with its app.
    names: frozenset[str] | None = getattr(route, _CACHE_ATTRIBUTE, None)
    if names is None:
        names = frozenset(_query_names(route.dependant))
        setattr(route, _CACHE_ATTRIBUTE, names)
    return names


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def refuse_unknown_query_parameters(request: Request) -> None:
    """App-wide dependency: every query parameter of an API call must be one the route
    declares. Console pages are for browsers, which may add their own (bookmarks, links)."""
    route = request.scope.get("route")
    # Only calls the OpenAPI schema documents (pages hidden from it may read their own
    # query strings); Twilio's signature covers the whole URL, so its webhooks are
    # judged by that alone.
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    if request.url.path.startswith(WEBHOOK_PREFIX):
        return
    unknown = sorted(set(request.query_params) - _declared(route))
    if unknown:
        shown = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:37] + "..."
        raise InvalidInput("is not a query parameter of this call", field=shown)
