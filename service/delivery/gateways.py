"""Picks the SMS gateway the settings ask for."""

import logging

from service.config import Settings
from service.delivery.console import ConsoleGateway
from service.delivery.gateway import SmsGateway

log = logging.getLogger("reminders.gateway")


def build_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_gateway == "twilio":
        from service.delivery.twilio_gateway import TwilioGateway

        assert settings.twilio_account_sid and settings.twilio_auth_token
        log.info("SMS gateway: twilio")
        return TwilioGateway(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_messaging_service_sid,
            settings.twilio_from_number,
            api_base_url=settings.twilio_api_base_url,
            max_per_second=settings.sms_max_per_second,
        )
    log.warning(
        "SMS gateway: console - texts are printed here and stored, not sent to phones "
        "(set SMS_GATEWAY=twilio and the TWILIO_* settings to send real texts)"
    )
    return ConsoleGateway()


def status_callback_url(settings: Settings) -> str | None:
    if settings.sms_gateway != "twilio" or not settings.public_base_url:
        return None
    return settings.public_base_url.rstrip("/") + "/v1/twilio/status"
