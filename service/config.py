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
PLACEHOLDER_CLINIC_NAME = "Your MILD clinic"


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

    # Optional: a phone the on-call clinician carries; an urgent reply texts it a short
    # notice with no patient data, at most once per ON_CALL_PAGE_INTERVAL_MINUTES.
    on_call_phone: str | None = None
    on_call_page_interval_minutes: int = Field(default=15, ge=1, le=1440)
    # A routine reply is answered at most once per window; an urgent one every time.
    conversation_window_hours: float = Field(default=12.0, ge=0, le=168)
    # The most SMS segments one text may cost (checked on the merged text of a slot).
    sms_max_segments: int = Field(default=4, ge=1, le=10)
    # Seeds disagree (003: 1-2 weeks; 001, 004: 2-4 weeks): the cautious one by default.
    normal_activity_weeks: str = Field(default="2-4", pattern=r"^\d{1,2}-\d{1,2}$")

    clinic_name: str = PLACEHOLDER_CLINIC_NAME
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

    @model_validator(mode="after")
    def _on_call_phone_is_a_number(self) -> "Settings":
        if not self.on_call_phone:
            self.on_call_phone = None
            return self
        import phonenumbers

        try:
            number = phonenumbers.parse(self.on_call_phone, self.clinic_phone_region)
        except phonenumbers.NumberParseException as exc:
            raise ValueError("ON_CALL_PHONE is not a phone number") from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError("ON_CALL_PHONE is not a valid phone number")
        self.on_call_phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return self

    def placeholder_warnings(self) -> list[str]:
        """What start-up warns about: settings still at their out-of-the-box values."""
        warnings = []
        if self.clinic_phone == PLACEHOLDER_CLINIC_PHONE:
            warnings.append(
                f"CLINIC_PHONE is the placeholder {PLACEHOLDER_CLINIC_PHONE}: set the clinic's "
                "real number"
            )
        if self.clinic_name == PLACEHOLDER_CLINIC_NAME:
            warnings.append(
                f"CLINIC_NAME is the placeholder {PLACEHOLDER_CLINIC_NAME!r}: every text is "
                "signed with it; set the clinic's name"
            )
        return warnings

    @property
    def clinic_zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()
