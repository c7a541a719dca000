"""The client's address behind a reverse proxy: `X-Forwarded-For` and `X-Forwarded-Proto`
are believed only from the addresses in FORWARDED_ALLOW_IPS (none by default).

Anyone else could write any address into the header and so choose which login and API-key
throttle bucket they fall in, or dodge them. Uvicorn's own reading is turned off where the
service starts it (`proxy_headers=False`: uvicorn would otherwise trust 127.0.0.1); its
middleware does the reading here instead, from our setting, so every way of serving the
app behaves the same.
"""

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


class TrustedProxies:
    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        # No proxy named: the headers are never read, whoever sends them.
        self.app: ASGIApp = (
            ProxyHeadersMiddleware(app, trusted_hosts=allowed)  # type: ignore[arg-type,assignment]
            if allowed
            else app
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
