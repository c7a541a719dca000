"""Request bodies over a size limit are refused (413) before anyone reads them.

Checked from `Content-Length` first, then while the body streams in: at most `limit`
bytes are ever held, and nothing downstream (JSON parsing, the API key check, Twilio's
signature) runs until the whole body is known to fit.
"""

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEBHOOK_PREFIX = "/v1/twilio/"
# Spreadsheets are uploaded here (API and console): a file of 10,000 rows is a megabyte.
IMPORT_PATHS = ("/v1/imports", "/imports/")


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, *, api_limit: int, webhook_limit: int, import_limit: int | None = None
    ) -> None:
        self.app = app
        self.api_limit = api_limit
        self.webhook_limit = webhook_limit
        self.import_limit = import_limit or api_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.webhook_limit if path.startswith(WEBHOOK_PREFIX) else self.api_limit
        if path.startswith(IMPORT_PATHS):
            limit = self.import_limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        body = bytearray()
        first_other: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first_other = message  # the client went away: let the app see it
                break
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(send, limit)
                return
            if not message.get("more_body", False):
                break
        pending: list[Message] = [{"type": "http.request", "body": bytes(body), "more_body": False}]
        if first_other is not None:
            pending.append(first_other)

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    message = f"the request body is larger than {limit} bytes"
    payload: dict[str, Any] = {
        "detail": f"body: {message}",
        "errors": [{"field": "body", "message": message}],
    }
    content = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                # The rest of the body is never read: the connection cannot be reused.
                (b"connection", b"close"),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
