"""What follows an urgent reply once it is kept: the clinic's paging hook and the on-call
phone. One list for the Twilio webhook (run after the answer) and `reminders reply`."""

from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import Engine

from service.config import Settings
from service.conversation.alerts import notify_alert_webhook
from service.conversation.paging import page_on_call
from service.conversation.replies import Outcome
from service.delivery.gateway import SmsGateway


def urgent_follow_ups(
    outcome: Outcome, settings: Settings, engine: Engine, gateway: SmsGateway, now: datetime
) -> list[Callable[[], object]]:
    """The calls to make after the reply is committed (none unless it is urgent); each
    logs its own failures and never raises."""
    if outcome.urgent_message_id is None:
        return []
    tasks: list[Callable[[], object]] = []
    if settings.alert_webhook_url:
        tasks.append(
            partial(
                notify_alert_webhook,
                settings.alert_webhook_url,
                outcome.urgent_message_id,
                outcome.urgent_patient_id,
                outcome.urgent_received_at or now,
            )
        )
    if settings.on_call_phone:
        tasks.append(
            partial(page_on_call, engine, gateway, settings, outcome.urgent_message_id, now)
        )
    return tasks
