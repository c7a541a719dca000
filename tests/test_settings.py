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


def test_secrets_never_appear_in_the_settings_repr_or_the_banner():
    from service.cli import startup_banner

    settings = _settings(
        **{**TWILIO, "twilio_auth_token": "tw-token-789"},
        twilio_from_number="+15005550006",
        database_url="postgresql+psycopg://reminders:pg-pass-123@db.internal/reminders",
        metrics_token="metrics-token-456",
    )
    shown = repr(settings) + str(settings) + startup_banner(settings, 1)
    for secret in ("pg-pass-123", "metrics-token-456", "tw-token-789"):
        assert secret not in shown
    assert "postgresql+psycopg://reminders:***@db.internal/reminders" in startup_banner(settings, 1)
    # The code that needs them still gets the real values.
    assert settings.database_url.endswith(":pg-pass-123@db.internal/reminders")
    assert settings.twilio_auth_token == "tw-token-789"


def test_secrets_come_from_the_environment_under_their_usual_names(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./elsewhere.db")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    settings = _settings()
    assert settings.database_url == "sqlite:///./elsewhere.db"
    assert settings.twilio_auth_token == "from-env"


@pytest.mark.parametrize("zone", ["Pacific", "US", "Etc", "localtime", "EST5EDT", "Japan"])
def test_the_clinic_zone_must_be_a_canonical_iana_name(zone):
    with pytest.raises(ValidationError, match=f"CLINIC_TIMEZONE '{zone}' is not an IANA"):
        _settings(clinic_timezone=zone)
    assert _settings(clinic_timezone="America/Chicago").clinic_zone.key == "America/Chicago"
    # An old name that links to a zone is that zone.
    assert _settings(clinic_timezone="US/Eastern").clinic_zone.key == "America/New_York"


def test_a_bad_clinic_zone_stops_start_up_with_one_line_and_a_hint(monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/Chicgo")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            main(["migrate"])
    finally:
        get_settings.cache_clear()
    message = str(stopped.value)
    assert "\n" not in message
    assert "CLINIC_TIMEZONE" in message and "did you mean 'America/Chicago'" in message


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://reminders.example.org", True),
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8000", True),
        ("http://reminders.example.org", False),
        ("http://10.0.0.5", False),
        ("ftp://reminders.example.org", False),
        ("reminders.example.org", False),
    ],
)
def test_public_base_url_must_be_https_unless_local(url, allowed):
    if allowed:
        assert _settings(public_base_url=url).public_base_url == url
    else:
        with pytest.raises(ValidationError, match="PUBLIC_BASE_URL must start with https://"):
            _settings(public_base_url=url)
