"""Twilio's log of texts sent to the clinic's number, read for the inbound catch-up.

The same `twilio.rest.Client` set-up as sending (`make_twilio_client`), listing Messages
To our number with `DateSent>`, newest first, a bounded number of pages.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from service.config import Settings
from service.conversation.inbound_text import media_count
from service.delivery.twilio_client import make_twilio_client

log = logging.getLogger("reminders.catch_up")

PAGE_SIZE = 200
# At most this many pages a run (PAGE_SIZE each): an outage's worth of replies for a
# clinic. More than that is read on the next runs (the high-water mark stays put).
MAX_PAGES = 25


@dataclass(frozen=True)
class LoggedText:
    """One inbound text as Twilio logged it (the webhook's MessageSid, From, Body, NumMedia)."""

    sid: str
    sender: str
    body: str
    sent_at: datetime
    media_count: int


class TwilioLogUnreadable(Exception):
    """Twilio could not be asked (down, refused, timed out): try again next run."""


class TwilioMessageLog:
    """Lists the inbound texts Twilio has for one number of ours."""

    def __init__(self, client: Client, number: str) -> None:
        self.client = client
        self.number = number

    def inbound_since(self, since: datetime) -> tuple[list[LoggedText], bool]:
        """Inbound texts to our number sent from `since` on, and whether that is all of
        them (False when the page bound was reached); raise TwilioLogUnreadable."""
        # By SID: a text arriving while we page shifts the pages (newest first), so one
        # may be listed twice.
        texts: dict[str, LoggedText] = {}
        try:
            page = self.client.messages.page(
                to=self.number, date_sent_after=since, page_size=PAGE_SIZE
            )
            for pages_read in range(1, MAX_PAGES + 1):
                texts.update((t.sid, t) for t in _inbound(page, self.number, since))
                following = page.next_page()
                if following is None:
                    return list(texts.values()), True
                if pages_read == MAX_PAGES:
                    break
                page = following
        except (requests.exceptions.RequestException, TwilioException) as exc:
            # TwilioRestException included; its message may quote a number: not logged.
            raise TwilioLogUnreadable(type(exc).__name__) from exc
        log.warning("catch-up: more than %s texts since the mark; the rest next run", len(texts))
        return list(texts.values()), False


def _inbound(page: object, number: str, since: datetime) -> list[LoggedText]:
    found = []
    for message in page:  # type: ignore[attr-defined]
        if str(message.direction or "") != "inbound" or message.to != number:
            continue
        sent = message.date_sent or message.date_created
        if not message.sid or sent is None or sent < since:
            continue
        found.append(
            LoggedText(
                sid=str(message.sid),
                sender=str(message.from_ or ""),
                body=str(message.body or ""),
                sent_at=sent,
                media_count=media_count(str(message.num_media or "0")),
            )
        )
    return found


def message_log(settings: Settings) -> TwilioMessageLog | None:
    """Twilio's log for the number patients text, or None (console gateway, or a messaging
    service with no TWILIO_INBOUND_NUMBER: there is no one number to read)."""
    number = settings.twilio_inbound_number or settings.twilio_from_number
    if settings.sms_gateway != "twilio" or not number:
        return None
    assert settings.twilio_account_sid and settings.twilio_auth_token
    client = make_twilio_client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_api_base_url,
    )
    return TwilioMessageLog(client, number)
