"""A clinic's misconfiguration stops start-up with the setting's name, never a stack trace."""

from datetime import time

import pytest
from pydantic import ValidationError

from service.cli import main
from service.config import Settings, get_settings

TWILIO = {
    "sms_gateway": "twilio",
    "twilio_account_sid": "AC" + "a" * 32,
    "twilio_auth_token": "secret",
    "public_base_url": "https://reminders.example.org",
}


def _settings(**values):
    return Settings(_env_file=None, **values)


def test_twilio_without_credentials_names_what_is_missing():
    with pytest.raises(ValidationError, match="TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"):
        _settings(sms_gateway="twilio", twilio_from_number="+15005550006")


def test_twilio_needs_exactly_one_sender():
    with pytest.raises(ValidationError, match="exactly one of TWILIO_MESSAGING_SERVICE_SID"):
        _settings(**TWILIO)
    with pytest.raises(ValidationError, match="exactly one of TWILIO_MESSAGING_SERVICE_SID"):
        _settings(
            **TWILIO,
            twilio_from_number="+15005550006",
            twilio_messaging_service_sid="MG" + "b" * 32,
        )
    assert _settings(**TWILIO, twilio_from_number="+15005550006").sms_gateway == "twilio"


def test_an_unknown_clinic_zone_or_a_too_short_window_is_refused():
    with pytest.raises(ValidationError, match="CLINIC_TIMEZONE 'Mars/Base' is not an IANA"):
        _settings(clinic_timezone="Mars/Base")
    with pytest.raises(ValidationError, match="at least one hour after SENDING_WINDOW_START"):
        _settings(sending_window_start=time(20, 30), sending_window_end=time(21, 0))


def test_the_command_line_reports_a_bad_setting_by_name(monkeypatch):
    monkeypatch.setenv("SMS_GATEWAY", "twilio")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            main(["migrate"])
    finally:
        get_settings.cache_clear()
    assert "configuration error" in str(stopped.value)
    assert "TWILIO_ACCOUNT_SID" in str(stopped.value)
