"""The worker's inbound catch-up job: Twilio's log read from the database's mark.

See service/conversation/catch_up.py. A failure (Twilio or the database down) is logged
without patient data and the next run tries again; it never stops the worker.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from service.config import Settings
from service.conversation.alerts import notify_alert_webhook
from service.conversation.catch_up import CatchUpReport, catch_up
from service.conversation.paging import page_on_call
from service.conversation.replies import Outcome
from service.conversation.twilio_log import TwilioMessageLog
from service.delivery.gateway import SmsGateway

log = logging.getLogger("reminders.catch_up")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InboundCatchUpJob:
    """One run of the catch-up; urgent texts it recovers page on-call like the webhook's."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        twilio_log: TwilioMessageLog,
        gateway: SmsGateway,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.twilio_log = twilio_log
        self.gateway = gateway
        self.clock = clock

    def __call__(self) -> CatchUpReport | None:
        now = self.clock()
        try:
            return catch_up(self.engine, self.settings, self.twilio_log, now, self._urgent(now))
        except Exception as exc:  # e.g. the database is down: the mark waits for next run
            # The type only: a database error's text can quote a patient's words.
            log.error("catch-up run failed (%s); next run retries", type(exc).__name__)
            return None

    def _urgent(self, now: datetime) -> Callable[[Outcome], None]:
        def alert(outcome: Outcome) -> None:
            assert outcome.urgent_message_id is not None
            if self.settings.alert_webhook_url:
                notify_alert_webhook(
                    self.settings.alert_webhook_url,
                    outcome.urgent_message_id,
                    outcome.urgent_patient_id,
                    outcome.urgent_received_at or now,
                )
            if self.settings.on_call_phone:
                page_on_call(
                    self.engine, self.gateway, self.settings, outcome.urgent_message_id, now
                )

        return alert
