"""One settings class, read from the environment (and an optional .env file)."""

import ipaddress
from datetime import time
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from service.validation import canonical_zone

# A placeholder, not a real number: `make run` works out of the box, and the
# service warns at start-up until a clinic sets its own.
PLACEHOLDER_CLINIC_PHONE = "555-0100"
PLACEHOLDER_CLINIC_NAME = "Your MILD clinic"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Secrets are SecretStr, so neither repr(settings) nor a log line can print them;
    # `database_url` and `twilio_auth_token` (properties below) hand out the values.
    database_url_secret: SecretStr = Field(
        default=SecretStr("sqlite:///./var/reminders.db"),
        validation_alias=AliasChoices("database_url", "database_url_secret"),
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Processes serving `reminders api` (uvicorn workers). One Python process runs one
    # request's Python at a time, so a busy API wants about one per CPU core. Each has
    # its own database pool (up to 30 connections). `reminders serve` always uses one.
    api_workers: int = Field(default=1, ge=1, le=64)
    # How long a process trusts an API key it has just checked before reading it again
    # (0: every request reads it). A key revoked through this process is refused at
    # once; one revoked through another process is refused there at once and here within
    # this many seconds (service/auth/key_cache.py says why that is safe).
    api_key_cache_seconds: float = Field(default=2.0, ge=0, le=60)

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
    twilio_auth_token_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("twilio_auth_token", "twilio_auth_token_secret")
    )
    twilio_messaging_service_sid: str | None = None
    twilio_from_number: str | None = None
    # The number patients text (E.164), whose log the inbound catch-up reads; defaults to
    # TWILIO_FROM_NUMBER (set it when sending through a messaging service).
    twilio_inbound_number: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
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

    # Optional: a phone the on-call clinician carries; an urgent reply texts it a short
    # notice with no patient data, at most once per ON_CALL_PAGE_INTERVAL_MINUTES.
    on_call_phone: str | None = None
    on_call_page_interval_minutes: int = Field(default=15, ge=1, le=1440)
    # A routine reply is answered at most once per window; an urgent one every time.
    conversation_window_hours: float = Field(default=12.0, ge=0, le=168)
    # How often the worker reads Twilio's log for texts our webhook missed (an outage).
    inbound_catch_up_minutes: float = Field(default=5.0, gt=0, le=1440)
    # The most SMS segments one text may cost (checked on the merged text of a slot).
    sms_max_segments: int = Field(default=4, ge=1, le=10)
    # How much the service logs; no level (DEBUG included) logs a phone number, a name or
    # a message body.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Seeds disagree (003: 1-2 weeks; 001, 004: 2-4 weeks): the cautious one by default.
    normal_activity_weeks: str = Field(default="2-4", pattern=r"^\d{1,2}-\d{1,2}$")
    # Recovery check-ins: when an answer calls a person (service/checkins/escalation.py).
    check_in_pain_alert: float = Field(default=8, ge=0, le=10)
    check_in_pain_rise: float = Field(default=3, gt=0, le=10)
    check_in_rise_from_day: int = Field(default=3, ge=0, le=400)
    check_in_walking_fraction: float = Field(default=0.5, gt=0, le=1)
    check_in_walking_from_day: int = Field(default=14, ge=0, le=400)
    # How long an asked question takes an answer (a reply after the reminder still counts).
    check_in_open_days: int = Field(default=7, ge=1, le=90)

    clinic_name: str = PLACEHOLDER_CLINIC_NAME
    clinic_phone: str = PLACEHOLDER_CLINIC_PHONE
    # Where warning-sign texts send a patient with signs of infection or bleeding out of
    # hours. Empty: they say to go to the emergency room, the safe reading when a clinic
    # has no after-hours line.
    clinic_after_hours_phone: str = ""
    clinic_timezone: str = "America/New_York"
    # The phone region used to read numbers written without a country code.
    clinic_phone_region: str = "US"
    default_language: str = "en"

    # Clinic rules that seeds disagree on or a clinic may set differently.
    fasting_hours: int = Field(default=8, ge=1, le=24)
    procedure_duration_minutes: int = Field(default=60, ge=10, le=480)
    sending_window_start: time = time(8, 0)
    sending_window_end: time = time(21, 0)

    # Intake (HL7 v2, FHIR, spreadsheets): a feed does not carry the patient's agreement
    # to texts. `ask`: the first text asks for YES and nothing else goes until it comes;
    # `on_file`: the clinic attests it collects consent at registration.
    intake_sms_consent: Literal["ask", "on_file"] = "ask"
    # Which booked appointments are ours, by service/type/reason code (comma-separated,
    # compared without case). 0275T is the CPT code for MILD; visits have no default.
    intake_procedure_codes: str = "0275T"
    intake_wound_check_codes: str = ""
    intake_two_week_codes: str = ""
    intake_three_month_codes: str = ""
    # The HL7 v2 MLLP listener: `reminders hl7` (port 2575 when unset); `reminders serve`
    # also listens when HL7_MLLP_PORT is set.
    hl7_mllp_port: int | None = Field(default=None, ge=1, le=65535)
    hl7_mllp_host: str = "127.0.0.1"
    # The interface engine's addresses or networks (comma-separated); empty: any.
    hl7_allowed_clients: str = ""
    hl7_tls_cert_file: str | None = None
    hl7_tls_key_file: str | None = None
    hl7_max_frame_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # A connection with no frame for this long is closed; a frame must arrive whole
    # within `hl7_frame_seconds` of its first byte (a trickling sender is cut off).
    hl7_idle_seconds: float = Field(default=300.0, gt=0)
    hl7_frame_seconds: float = Field(default=30.0, gt=0)

    # Requests larger than this are refused (413) before they are read: the API's JSON
    # bodies are a few hundred bytes, Twilio's webhook posts a few kilobytes.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_webhook_body_bytes: int = Field(default=32 * 1024, ge=1024, le=16 * 1024 * 1024)
    # A spreadsheet uploaded to /v1/imports or the console's /imports (10,000 rows: ~1 MB).
    # The console keeps an upload between its steps (columns, preview, import, result) in
    # this directory, readable by this service's user only; none is kept past a day.
    import_dir: str | None = None  # default: "mild-reminders-imports" in the system temp dir
    max_import_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Optional: /metrics then needs `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None
    # Failed authentications one client address may make per minute before a 429.
    auth_failures_per_minute: int = Field(default=10, ge=1, le=10_000)
    # Reverse proxies whose X-Forwarded-For/-Proto headers are believed: addresses or
    # networks, comma-separated ("*": any). Empty: none, each request's own peer counts
    # (for the login and API-key throttles too). docker-compose.yml names its proxy.
    forwarded_allow_ips_text: str = Field(
        default="",
        validation_alias=AliasChoices("forwarded_allow_ips", "forwarded_allow_ips_text"),
    )
    # How long a request waits for SQLite's write lock before it gets a 503.
    sqlite_busy_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @property
    def database_url(self) -> str:
        return self.database_url_secret.get_secret_value()

    @property
    def database_url_for_display(self) -> str:
        """The database URL with its password masked: for banners and logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def forwarded_allow_ips(self) -> list[str]:
        return [
            entry.strip() for entry in self.forwarded_allow_ips_text.split(",") if entry.strip()
        ]

    @property
    def twilio_auth_token(self) -> str | None:
        secret = self.twilio_auth_token_secret
        return secret.get_secret_value() if secret is not None else None

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("clinic_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return canonical_zone(value)
        except ValueError as exc:
            raise ValueError(f"CLINIC_TIMEZONE {exc}") from None

    @field_validator("forwarded_allow_ips_text")
    @classmethod
    def _addresses_or_networks(cls, value: str) -> str:
        # Uvicorn would take a mistyped entry as a name no client ever has, silently.
        for entry in (e.strip() for e in value.split(",")):
            if not entry or entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"FORWARDED_ALLOW_IPS: '{entry[:60]}' is not an IP address or network"
                ) from None
        return value

    @field_validator("public_base_url")
    @classmethod
    def _https_unless_local(cls, value: str | None) -> str | None:
        # Twilio signs (and patients' replies travel to) this URL: over plain http
        # anyone on the path reads them. Only a developer's own machine is exempt.
        if not value:
            return value
        parts = urlsplit(value)
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if parts.scheme == "https" or (parts.scheme == "http" and local):
            return value
        raise ValueError(
            f"PUBLIC_BASE_URL must start with https:// (plain http only for localhost), "
            f"got {parts.scheme or 'no'} scheme"
        )

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

    @model_validator(mode="after")
    def _hl7_listener_settings_agree(self) -> "Settings":
        if bool(self.hl7_tls_cert_file) != bool(self.hl7_tls_key_file):
            raise ValueError("HL7_TLS_CERT_FILE and HL7_TLS_KEY_FILE go together")
        self.hl7_allowed_networks()  # a bad address stops start-up here, named
        return self

    def hl7_allowed_networks(self) -> list["IPv4Network | IPv6Network"]:
        """HL7_ALLOWED_CLIENTS as networks (a bare address is a /32 or /128)."""
        networks = []
        for part in self.hl7_allowed_clients.split(","):
            if part.strip():
                try:
                    networks.append(ip_network(part.strip(), strict=False))
                except ValueError:
                    raise ValueError(
                        f"HL7_ALLOWED_CLIENTS: {part.strip()!r} is not an address or network"
                    ) from None
        return networks

    def intake_codes(self) -> dict[str, frozenset[str]]:
        """The appointment-code mapping: what each set of codes books (upper-cased)."""
        sources = {
            "procedure": self.intake_procedure_codes,
            "wound_check": self.intake_wound_check_codes,
            "two_week": self.intake_two_week_codes,
            "three_month": self.intake_three_month_codes,
        }
        return {
            kind: frozenset(c.strip().upper() for c in raw.split(",") if c.strip())
            for kind, raw in sources.items()
        }

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
