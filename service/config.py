"""One settings class, read from the environment (and an optional .env file)."""

from datetime import time
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A placeholder, not a real number: `make run` works out of the box, and the
# service warns at start-up until a clinic sets its own.
PLACEHOLDER_CLINIC_PHONE = "555-0100"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/reminders.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Processes serving `reminders api` (uvicorn workers). One Python process runs one
    # request's Python at a time, so a busy API wants about one per CPU core. Each has
    # its own database pool (up to 30 connections). `reminders serve` always uses one.
    api_workers: int = Field(default=1, ge=1, le=64)

    sms_gateway: Literal["console", "twilio"] = "console"
    dispatch_interval_seconds: float = Field(default=5.0, gt=0)
    dispatch_batch_size: int = Field(default=256, ge=1, le=10_000)
    # How long a worker owns the reminders it claimed; past it, another worker may
    # take them over (a crashed worker loses nothing).
    claim_lease_seconds: int = Field(default=120, ge=5)
    send_max_attempts: int = Field(default=5, ge=1, le=20)
    send_retry_base_seconds: float = Field(default=30.0, gt=0)
    # Parallel sends per worker on PostgreSQL (SQLite sends one at a time); the engine
    # pool is sized to it. 32 sends at 100 ms each keep one worker above 200 texts/s.
    send_concurrency: int = Field(default=64, ge=1, le=256)

    # Twilio (SMS_GATEWAY=twilio). Either a messaging service or a from-number.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from_number: str | None = None
    # Twilio's own API unless pointed elsewhere (a mock in tests).
    twilio_api_base_url: str | None = None
    sms_max_per_second: float = Field(default=1.0, gt=0)
    # Where Twilio reaches this service's webhooks, e.g. https://reminders.example.org
    public_base_url: str | None = None
    # Optional: told (ids and time only, no words or numbers) when a reply looks urgent.
    alert_webhook_url: str | None = None

    # The console: a session ends after this long without a request, and this long
    # after login whatever happens.
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    console_session_hours: int = Field(default=12, ge=1, le=24 * 7)
    # Failed logins within the window before the console answers 429 (per email, per address).
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_throttle_minutes: int = Field(default=15, ge=1)

    clinic_name: str = "Your MILD clinic"
    clinic_phone: str = PLACEHOLDER_CLINIC_PHONE
    clinic_timezone: str = "America/New_York"
    # The phone region used to read numbers written without a country code.
    clinic_phone_region: str = "US"
    default_language: str = "en"

    # Clinic rules that seeds disagree on or a clinic may set differently.
    fasting_hours: int = Field(default=8, ge=1, le=24)
    procedure_duration_minutes: int = Field(default=60, ge=10, le=480)
    sending_window_start: time = time(8, 0)
    sending_window_end: time = time(21, 0)

    @field_validator("clinic_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"CLINIC_TIMEZONE {value!r} is not an IANA time zone") from exc
        return value

    @model_validator(mode="after")
    def _window_is_an_hour_or_more(self) -> "Settings":
        start = self.sending_window_start.hour * 60 + self.sending_window_start.minute
        end = self.sending_window_end.hour * 60 + self.sending_window_end.minute
        if end - start < 60:
            raise ValueError(
                "SENDING_WINDOW_END must be at least one hour after SENDING_WINDOW_START"
            )
        return self

    @model_validator(mode="after")
    def _twilio_settings_agree(self) -> "Settings":
        if self.sms_gateway != "twilio":
            return self
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", self.twilio_account_sid),
                ("TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                ("PUBLIC_BASE_URL", self.public_base_url),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"SMS_GATEWAY=twilio needs {', '.join(missing)}")
        if bool(self.twilio_messaging_service_sid) == bool(self.twilio_from_number):
            raise ValueError(
                "SMS_GATEWAY=twilio needs exactly one of TWILIO_MESSAGING_SERVICE_SID "
                "and TWILIO_FROM_NUMBER"
            )
        return self

    @property
    def clinic_zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()
