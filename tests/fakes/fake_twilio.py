"""A fake Twilio REST server on 127.0.0.1 for the answers Prism cannot give (429, 5xx,
21610, slow replies).

    with FakeTwilio() as fake:
        fake.script(status=429, code=20429)   # first request is throttled
        gateway = TwilioGateway(..., api_base_url=fake.base_url)
        ...                                   # the next requests get 201 by default
        assert fake.requests[0].form["To"] == "+15551234567"
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlencode

import httpx

_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account_sid>AC\w+)/Messages\.json$")
_DEFAULT_MESSAGES = {
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21211: "The 'To' number {to} is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


@dataclass(frozen=True)
class ScriptedReply:
    """One scripted answer; `code` makes it a Twilio error body."""

    status: int = 201
    code: int | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    account_sid: str | None
    form: dict[str, str]
    headers: dict[str, str]

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """The (username, password) of an HTTP basic Authorization header."""
        value = self.authorization
        if not value or not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def message_resource(
    account_sid: str, form: dict[str, str], sid: str, at: datetime | None = None
) -> dict[str, object]:
    """A body shaped like Twilio's Message resource, status `queued`."""
    stamp = at.timestamp() if at is not None else None
    now = formatdate(stamp, usegmt=True).replace("GMT", "+0000")
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": form.get("To"),
        "uri": f"{uri}.json",
    }


class FakeTwilio:
    """Answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` from a script.

    Scripted replies are used in order, one per request; once the script runs out,
    each request gets a 201 with a fresh `SM...` sid, after `delay_seconds`. With
    `accept_before_reply` a text is taken (listed, counted in `created`) as soon as it
    arrives, before the delay: a worker killed meanwhile never hears the answer.
    `GET .../Messages.json?To=...` lists what was taken, newest first (the take-over lookup),
    and the texts patients sent us (`receive`), filtered by `DateSent>` and paged like
    Twilio (`list_page_size` caps a page); `fail_lists` makes the next list requests fail.
    """

    def __init__(
        self,
        *,
        delay_seconds: float = 0.0,
        accept_before_reply: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.clock = clock  # Twilio's date_created for what it takes (default: real time)
        self.delay_seconds = delay_seconds
        self.accept_before_reply = accept_before_reply
        self.requests: list[ReceivedRequest] = []
        self.created: list[dict[str, object]] = []
        self._script: deque[ScriptedReply] = deque()
        self.inbound: list[dict[str, object]] = []
        self.list_page_size: int | None = None
        self._list_failures: deque[ScriptedReply] = deque()
        self._lock = threading.Lock()
        # Set on close so slow scripted replies stop waiting and the server shuts down fast.
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running; use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(
        self,
        status: int = 201,
        code: int | None = None,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        delay_seconds: float = 0.0,
        times: int = 1,
    ) -> FakeTwilio:
        """Queue the answer for the next unanswered request(s)."""
        reply = ScriptedReply(status, code, message, dict(headers or {}), delay_seconds)
        with self._lock:
            self._script.extend([reply] * times)
        return self

    def receive(
        self, body: str, from_: str, to: str, sent_at: datetime, *, sid: str | None = None
    ) -> str:
        """A patient's text Twilio took in for our number (whether or not we heard of it)."""
        sid = sid or new_sid()
        form = {"Body": body, "From": from_, "To": to}
        message = message_resource("AC" + "0" * 32, form, sid, sent_at)
        message.update(direction="inbound", status="received", date_sent=message["date_created"])
        with self._lock:
            self.inbound.append(message)
        return sid

    def fail_lists(self, status: int = 503, code: int = 20500, times: int = 1) -> FakeTwilio:
        """The next `times` list requests get this error (Twilio down)."""
        with self._lock:
            self._list_failures.extend([ScriptedReply(status, code)] * times)
        return self

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-twilio", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _next_reply(self) -> ScriptedReply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        return ScriptedReply(delay_seconds=self.delay_seconds)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        try:
            data = handler.rfile.read(length) if length else b""
        except ConnectionError:
            return
        if len(data) < length:
            # The client died mid-request: like Twilio, take nothing from half a request.
            handler.close_connection = True
            return
        raw = data.decode()
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        path = handler.path.split("?", 1)[0]
        match = _MESSAGES_PATH.match(path)
        received = ReceivedRequest(
            method=handler.command,
            path=path,
            account_sid=match.group("account_sid") if match else None,
            form=form,
            headers={k.lower(): v for k, v in handler.headers.items()},
        )
        with self._lock:
            self.requests.append(received)

        if match is not None and handler.command == "GET":
            with self._lock:
                failure = self._list_failures.popleft() if self._list_failures else None
            if failure is not None:
                code = failure.code or failure.status
                self._reply(handler, failure.status, _error(code, "Error", failure.status))
                return
            self._reply(handler, 200, self._list(handler.path, received.account_sid or ""))
            return
        if match is None or handler.command != "POST":
            self._reply(handler, 404, _error(20404, "The requested resource was not found", 404))
            return
        reply = self._next_reply()
        taken = None
        if reply.status < 300 and self.accept_before_reply:
            taken = self._take(received.account_sid or "", form)
        if reply.delay_seconds and self._closing.wait(reply.delay_seconds):
            return  # shutting down: drop the reply, as a hung server would
        if reply.status < 300:
            body = taken or self._take(received.account_sid or "", form)
        else:
            code = reply.code if reply.code is not None else reply.status
            text = reply.message or _DEFAULT_MESSAGES.get(code, "Error").format(
                to=form.get("To", "")
            )
            body = _error(code, text, reply.status)
        self._reply(handler, reply.status, body, reply.headers)

    def _take(self, account_sid: str, form: dict[str, str]) -> dict[str, object]:
        body = message_resource(account_sid, form, new_sid(), self.clock() if self.clock else None)
        with self._lock:
            self.created.append(body)
        return body

    def _list(self, path: str, account_sid: str) -> dict[str, object]:
        query = parse_qs(path.partition("?")[2])
        to = query.get("To", [None])[-1]
        after = query.get("DateSent>", [None])[-1]
        size = min(int(query.get("PageSize", ["50"])[-1]), self.list_page_size or 1000)
        number = int(query.get("Page", ["0"])[-1])
        with self._lock:
            every = self.created + self.inbound
        # Newest first; equal times newest-taken first, as before.
        found = [m for m in reversed(every) if to is None or m["to"] == to]
        if after is not None:
            since = datetime.fromisoformat(after.replace("Z", "+00:00"))
            found = [m for m in found if m["date_sent"] and _when(m["date_sent"]) >= since]
        found.sort(key=lambda m: _when(m["date_sent"] or m["date_created"]), reverse=True)
        page = found[number * size : (number + 1) * size]
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        following = {k: v[-1] for k, v in query.items()} | {"Page": str(number + 1)}
        more = (number + 1) * size < len(found)
        return {
            "messages": page,
            "end": number * size + max(len(page) - 1, 0),
            "first_page_uri": uri,
            "next_page_uri": f"{uri}?{urlencode(following)}" if more else None,
            "previous_page_uri": None,
            "page": number,
            "page_size": size,
            "start": number * size,
            "uri": uri,
        }

    def sent_to(self) -> list[str]:
        """The recipient of every text taken, in order."""
        with self._lock:
            return [str(m["to"]) for m in self.created]

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, object],
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)


def _when(rfc2822: object) -> datetime:
    return parsedate_to_datetime(str(rfc2822))


def _error(code: int, message: str, status: int) -> dict[str, object]:
    """Twilio's error body shape."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def delivery_receipt_form(
    *,
    message_sid: str,
    status: str,
    to: str = "+15551234567",
    account_sid: str = "AC" + "0" * 32,
    error_code: int | None = None,
) -> dict[str, str]:
    """The form fields Twilio posts to a StatusCallback URL."""
    form = {
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": to,
    }
    if error_code is not None:
        form["ErrorCode"] = str(error_code)
    return form


def post_delivery_receipt(
    url: str,
    *,
    message_sid: str,
    status: str,
    to: str = "+15551234567",
    account_sid: str = "AC" + "0" * 32,
    error_code: int | None = None,
    auth_token: str | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST a delivery receipt the way Twilio does (form-encoded).

    With `auth_token`, it carries a valid `X-Twilio-Signature` for the absolute URL.
    `client` may be FastAPI's TestClient (then `url` may be a path).
    """
    form = delivery_receipt_form(
        message_sid=message_sid,
        status=status,
        to=to,
        account_sid=account_sid,
        error_code=error_code,
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth_token is not None:
        from twilio.request_validator import RequestValidator

        absolute = str(client.base_url.join(url)) if client is not None else url
        headers["X-Twilio-Signature"] = RequestValidator(auth_token).compute_signature(
            absolute, form
        )
    if client is not None:
        return client.post(url, content=urlencode(form), headers=headers)
    return httpx.post(url, content=urlencode(form), headers=headers, timeout=10)
