"""Headers every answer carries: never cached, never sniffed, HTTPS-only once on HTTPS."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A year: browsers that once reached the API over HTTPS never try plain HTTP again.
HSTS = "max-age=31536000; includeSubDomains"


# The API reference pages load only what the installed package serves: ReDoc's bundle
# otherwise fetches its "powered by" logo from a CDN, which a clinic network may log or
# block. Its styles are inline and its search runs in a blob: worker.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Patient data must not sit in a browser's or a proxy's cache.
                headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if over_https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if scope.get("path") in DOCS_PATHS:
                    headers.setdefault("Content-Security-Policy", DOCS_CSP)
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, send_with_headers)
