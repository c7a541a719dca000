"""One access-log line per request, with query values masked (a lookup by phone or a
search by name must not land in the log)."""

import logging
import time
from urllib.parse import parse_qsl, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("reminders.access")

# Query parameters whose values can never name or reach a patient: kept in the log.
SAFE_QUERY_VALUES = frozenset(
    {"status", "since", "until", "limit", "offset", "patient_id", "entity", "page", "kind"}
)


def masked_query(raw: str) -> str:
    """`phone=%2B1+212-555-0187&limit=5` -> `phone=***&limit=5`."""
    if not raw:
        return ""
    pairs = parse_qsl(raw, keep_blank_values=True)
    return "&".join(
        f"{quote(name, safe='')}={quote(value, safe=':+') if name in SAFE_QUERY_VALUES else '***'}"
        for name, value in pairs
    )


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app dies before answering

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            query = masked_query(scope.get("query_string", b"").decode("latin-1"))
            client = scope.get("client")
            log.info(
                '%s "%s %s%s" %d %.1fms',
                client[0] if client else "-",
                scope.get("method", "-"),
                scope.get("path", ""),
                f"?{query}" if query else "",
                status,
                (time.perf_counter() - started) * 1000,
            )
