"""Twilio as an SmsGateway, through the official `twilio` library.

One `send()` makes at most three HTTP attempts. It retries in the call only where
Twilio certainly did not take the text (429, 5xx, a connection that never opened), after a
short backoff (under 3 s in all). It never retries a read timeout, because Twilio may
already have accepted that text. Any other retrying is the dispatcher's job, guided by
`SendFailed.retryable` and `retry_after_seconds`.
"""

import json
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from urllib3.exceptions import NewConnectionError

from service.delivery.gateway import Accepted, OutgoingText, SendFailed
from service.delivery.rate_limit import RateLimiter, header, parse_retry_after
from service.delivery.twilio_client import RedirectingHttpClient, Reply, make_twilio_client
from service.messaging.masking import mask_phone, mask_phone_numbers_in

logger = logging.getLogger(__name__)

# Twilio error codes: https://www.twilio.com/docs/api/errors
AUTHENTICATION_FAILED = 20003
TOO_MANY_REQUESTS = 20429
RECIPIENT_UNSUBSCRIBED = 21610  # the recipient replied STOP; the carrier blocks us
INVALID_TO_NUMBER = 21211
NOT_A_MOBILE_NUMBER = 21614

IN_CALL_RETRIES = 2
RETRY_BASE_SECONDS = 0.25  # then 0.5 s; each backoff is jittered into [d/2, d]
# A 429 asking for a longer pause than this is handed back to the dispatcher instead.
MAX_IN_CALL_RETRY_AFTER_SECONDS = 1.0
# The take-over lookup reads the newest messages to the number (one page). Twilio's own
# clock may differ a little from ours, so the window opens a few minutes early.
LOOKUP_PAGE_SIZE = 50
LOOKUP_CLOCK_SKEW = timedelta(minutes=5)
# A text Twilio has but could not deliver never reached the phone: sending again is right.
_NEVER_REACHED = frozenset({"failed", "undelivered", "canceled"})


class _Retry(Exception):
    """An attempt failed in a way that is safe to repeat within this call."""

    def __init__(self, failure: SendFailed) -> None:
        super().__init__(failure.message)
        self.failure = failure


class TwilioGateway:
    """Sends texts through Twilio's Messages API; see the module docstring on retries."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None,
        from_number: str | None,
        api_base_url: str | None = None,
        max_per_second: float = 1.0,
        timeout_seconds: float = 10.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must both be set")
        if bool(messaging_service_sid) == bool(from_number):
            raise ValueError(
                "set exactly one of TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER "
                f"(got {'both' if messaging_service_sid else 'neither'})"
            )
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self._messaging_service_sid = messaging_service_sid or None
        self._from_number = from_number or None
        self._sleep = sleep
        self._jitter = jitter
        self._limiter = RateLimiter(max_per_second, clock=clock, sleep=sleep)
        self._client = make_twilio_client(account_sid, auth_token, api_base_url, timeout_seconds)
        http = self._client.http_client
        assert isinstance(http, RedirectingHttpClient)
        self._http = http

    def send(self, text: OutgoingText) -> Accepted:
        """Hand one text to Twilio; raise SendFailed, classified, when it is not accepted."""
        to = mask_phone(text.to)
        for retry in range(IN_CALL_RETRIES + 1):
            self._limiter.wait_for_slot()
            try:
                return self._attempt(text, to)
            except _Retry as failed:
                failure = failed.failure
                if retry == IN_CALL_RETRIES:
                    logger.warning("twilio: gave up on text to %s: %s", to, failure.message)
                    raise failure from failed.__cause__
                pause = self._backoff(retry, failure.retry_after_seconds)
                logger.info(
                    "twilio: text to %s not taken (%s), retrying in %.2f s",
                    to,
                    failure.code,
                    pause,
                )
                self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        """Ask Twilio (list Messages To the number, newest first) whether it already has
        this text from `since` on; raise SendFailed when Twilio cannot answer."""
        to = mask_phone(text.to)
        try:
            # No DateSent filter: a text still queued at Twilio has no date_sent yet, and
            # DateSent filters by whole days anyway. The page is checked by date_created.
            # One page, one request: the newest texts to this number.
            messages = list(self._client.messages.page(to=text.to, page_size=LOOKUP_PAGE_SIZE))
        except (TwilioRestException, TwilioServiceException) as exc:
            status = int(exc.status)
            raise SendFailed(
                f"Twilio could not list messages (HTTP {status})", retryable=True, code=str(status)
            ) from exc
        except (requests.exceptions.RequestException, TwilioException) as exc:
            raise SendFailed(
                f"could not ask Twilio: {type(exc).__name__}", retryable=True, code="lookup"
            ) from exc
        opens = since - LOOKUP_CLOCK_SKEW
        for message in messages:
            created = message.date_created
            if created is not None and created < opens:
                continue
            if message.to != text.to or not str(message.direction or "").startswith("outbound"):
                continue
            body = message.body or ""
            # A messaging service may append compliance text; ours comes first.
            if body != text.body and not body.startswith(text.body):
                continue
            state = str(message.status or "queued")
            if state in _NEVER_REACHED:
                continue
            logger.info("twilio: text to %s was already taken as %s", to, message.sid)
            return Accepted(provider_message_id=message.sid, status=state)
        return None

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        delay = RETRY_BASE_SECONDS * 2**retry
        pause = self._jitter(delay / 2, delay)
        return max(pause, retry_after) if retry_after is not None else pause

    def _attempt(self, text: OutgoingText, to: str) -> Accepted:
        kwargs: dict[str, Any] = {"to": text.to, "body": text.body}
        if text.status_callback:
            kwargs["status_callback"] = text.status_callback
        if self._messaging_service_sid:
            kwargs["messaging_service_sid"] = self._messaging_service_sid
        else:
            kwargs["from_"] = self._from_number
        try:
            message = self._client.messages.create(**kwargs)
        except (TwilioRestException, TwilioServiceException) as exc:
            self._raise_for_refusal(exc, to)
        except requests.exceptions.Timeout as exc:
            # Not retried here: a read timeout may mean Twilio took the text after all.
            raise SendFailed(
                f"Twilio did not answer in time: {type(exc).__name__}",
                retryable=True,
                code="timeout",
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            failure = SendFailed(
                f"could not reach Twilio: {type(exc).__name__}", retryable=True, code="connection"
            )
            if _never_connected(exc):
                raise _Retry(failure) from exc
            raise failure from exc  # the connection broke mid-request: Twilio may have it
        except (requests.exceptions.RequestException, TwilioException) as exc:
            raise SendFailed(
                f"Twilio request failed: {type(exc).__name__}", retryable=True, code="connection"
            ) from exc
        sid = message.sid
        status = str(message.status or "queued")
        logger.info("twilio: text to %s accepted as %s (%s)", to, sid, status)
        return Accepted(provider_message_id=sid, status=status)

    def _raise_for_refusal(
        self, exc: TwilioRestException | TwilioServiceException, to: str
    ) -> NoReturn:
        reply = self._http.last_reply()
        status = int(exc.status)
        # Twilio's own code when its body had one; else the library's stand-in (the status).
        code = exc.code if isinstance(exc.code, int) else status
        message = mask_phone_numbers_in(_twilio_message(exc, reply))
        description = f"Twilio refused the text (HTTP {status}, code {code}): {message}"

        if status == 429 or code == TOO_MANY_REQUESTS:
            retry_after = parse_retry_after(header(reply.headers, "Retry-After") if reply else None)
            failure = SendFailed(
                description, retryable=True, code=str(code), retry_after_seconds=retry_after
            )
            if retry_after is not None and retry_after > MAX_IN_CALL_RETRY_AFTER_SECONDS:
                raise failure from exc
            raise _Retry(failure) from exc
        if status >= 500:
            raise _Retry(SendFailed(description, retryable=True, code=str(code))) from exc
        if status == 401 or code == AUTHENTICATION_FAILED:
            # Our credentials, not this text: every text fails alike until someone fixes
            # the settings, so keep the reminder alive for the dispatcher's next round.
            logger.error("twilio: authentication failed; check TWILIO_ACCOUNT_SID/AUTH_TOKEN")
            raise SendFailed(
                description, retryable=True, code=str(code), spends_attempt=False
            ) from exc
        if code == RECIPIENT_UNSUBSCRIBED:
            logger.info("twilio: %s has opted out at the carrier (21610)", to)
            raise SendFailed(description, retryable=False, code=str(code), opted_out=True) from exc
        # 21211 (invalid To), 21614 (not a mobile) and every other 4xx: sending again
        # will not help.
        logger.warning("twilio: text to %s refused permanently: %s", to, description)
        raise SendFailed(description, retryable=False, code=str(code)) from exc


def _twilio_message(exc: TwilioRestException | TwilioServiceException, reply: Reply | None) -> str:
    """Twilio's own words when it sent its error shape, else whatever the body explains."""
    if reply is not None:
        try:
            body = json.loads(reply.text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            if isinstance(body.get("message"), str):
                return str(body["message"])
            # Problem details (RFC 9457), e.g. Prism's validation errors.
            parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
            for item in body.get("validation") or []:
                if isinstance(item, dict) and item.get("message"):
                    parts.append(str(item["message"]))
            if parts:
                return "; ".join(parts)
    if isinstance(exc, TwilioServiceException):
        return str(exc.detail or exc.title)
    return str(exc.msg)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the TCP connection was never opened, so Twilio cannot have the text."""
    reason: BaseException | None = exc.args[0] if exc.args else None
    # requests wraps urllib3's MaxRetryError, whose `reason` says what went wrong.
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError)
