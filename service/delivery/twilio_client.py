"""Twilio's own HTTP client, set up once for the worker: kept-alive connections for every
sending thread, the environment's proxy settings read once, and an optional other host
(Prism, the local fake) in place of api.twilio.com."""

import os
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

MAX_CONNECTIONS = 256
TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    text: str


class RedirectingHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, optionally sending to another host (Prism, a fake).

    It also keeps the last raw reply per thread: TwilioRestException drops the
    headers (Retry-After) and any error body that is not in Twilio's shape.
    """

    def __init__(self, base_url: str | None, timeout_seconds: float) -> None:
        super().__init__(timeout=timeout_seconds)
        # One kept-alive connection per sending thread (SEND_CONCURRENCY is at most 256);
        # the library's default pool keeps 6 and reconnects for every other request.
        assert self.session is not None
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, HTTPAdapter(pool_maxsize=MAX_CONNECTIONS))
        # requests reads the proxy and CA-bundle variables from the environment on every
        # request (a scan of all of os.environ, a fifth of each call's CPU): read them
        # once here, for the one host this client talks to.
        self.session.proxies.update(get_environ_proxies(base_url or TWILIO_API))
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if ca_bundle:
            self.session.verify = ca_bundle
        self.session.trust_env = False
        self._base = urlsplit(base_url.rstrip("/")) if base_url else None
        self._local = threading.local()

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self._local.reply = None
        if self._base is not None:
            # Twilio's client has no base-URL setting; every URL it builds is absolute
            # (https://api.twilio.com/2010-04-01/...), so swap scheme and host here.
            parts = urlsplit(url)
            url = urlunsplit(
                (
                    self._base.scheme,
                    self._base.netloc,
                    self._base.path + parts.path,
                    parts.query,
                    parts.fragment,
                )
            )
        response = super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
        self._local.reply = Reply(
            status=response.status_code, headers=dict(response.headers), text=response.text
        )
        return response

    def last_reply(self) -> Reply | None:
        """The raw reply to the last request this thread made, if one arrived."""
        reply: Reply | None = getattr(self._local, "reply", None)
        return reply


def make_twilio_client(
    account_sid: str,
    auth_token: str,
    api_base_url: str | None = None,
    timeout_seconds: float = 10.0,
) -> Client:
    """A `twilio.rest.Client` whose requests go to `api_base_url` (None: Twilio itself)."""
    return Client(
        username=account_sid,
        password=auth_token,
        account_sid=account_sid,
        http_client=RedirectingHttpClient(api_base_url, timeout_seconds),
    )
