"""Shared fixtures: a migrated database (SQLite and PostgreSQL), a clinic, a fixed clock."""

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine
from sqlmodel import Session

import service.users.passwords as passwords
import service.users.service as user_service
from service.auth.keys import create_api_key
from service.auth.models import ApiKey
from service.config import Settings
from service.db import make_engine, session_scope
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import SmsGateway
from service.timeline.active import default_plan
from tests.fakes.fake_twilio import FakeTwilio
from tests.support.apps import bound_app
from tests.support.ci import in_ci
from tests.support.postgres import postgres_available, throwaway_postgres
from tests.support.schema import (
    REPO_ROOT,
    copy_sqlite,
    make_postgres_template,
    migrated_sqlite_file,
    reset_postgres,
    run_migrations,
)
from tests.support.twilio_webhooks import PUBLIC_BASE_URL, twilio_settings

__all__ = ["REPO_ROOT", "in_ci", "run_migrations"]

# A property test's first failure must not wait for CI to draw it: under CI the examples
# are derived from each test's source (the same every run); elsewhere they are random and
# a failure prints the blob that replays it.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile("ci" if in_ci() else "dev")

# Argon2id as the service sets it costs ~0.25 CPU s per hash and per check, on purpose; the
# suite signs people in hundreds of times. The tests hash with Argon2id at its smallest cost
# instead: a real hash, made and checked by the same code (`test_password_rules` checks
# the service's own cost).
PRODUCTION_HASHER = passwords._hasher
passwords._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
# The suite creates the same few accounts hundreds of times: a hash made once per password
# still verifies like any other (the salt is inside it).
user_service.hash_password = functools.lru_cache(maxsize=None)(user_service.hash_password)  # type: ignore[assignment]


class Clock:
    """The tests' clock: it only moves when a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The suite's own PostgreSQL server, with a database at head to clone per test."""
    available, reason = postgres_available()
    if not available:
        if in_ci():
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(f"PostgreSQL not available: {reason}")
    with throwaway_postgres() as url:
        make_postgres_template(url)
        yield url


@pytest.fixture
def pg(postgres_url: str) -> str:
    """The suite's PostgreSQL alone (no SQLite twin), an empty database at head."""
    reset_postgres(postgres_url)
    return postgres_url


@pytest.fixture(scope="session")
def sqlite_at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, made once per run."""
    return migrated_sqlite_file(tmp_path_factory.mktemp("schema"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at head of its own: a copy of the run's migrated one."""
    if request.param == "sqlite":
        url = copy_sqlite(request.getfixturevalue("sqlite_at_head"), tmp_path / "reminders.db")
    else:
        url = request.getfixturevalue("postgres_url")
        reset_postgres(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        clinic_timezone="America/New_York",
        send_retry_base_seconds=60,
        send_max_attempts=3,
    )


@pytest.fixture
def clock() -> Clock:
    # A Monday morning in New York, well ahead of the procedures the tests book.
    return Clock(datetime(2027, 3, 1, 14, 0, tzinfo=UTC))


@pytest.fixture
def client(settings: Settings, engine: Engine, clock: Clock) -> Iterator[TestClient]:
    with TestClient(bound_app(settings, engine, clock)) as client:
        yield client


def _key(engine: Engine, role: str, clock: Clock) -> dict[str, str]:
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role=role, name=f"test {role}", now=clock.now)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def staff(engine: Engine, clock: Clock) -> dict[str, str]:
    return _key(engine, "staff", clock)


@pytest.fixture
def admin(engine: Engine, clock: Clock) -> dict[str, str]:
    return _key(engine, "admin", clock)


def enroll(client: TestClient, headers: dict[str, str], **overrides: object) -> dict:
    body = {
        "given_name": "Maria",
        "family_name": "Lopez",
        "phone": "(212) 555-0142",
        "sms_consent": True,
        **overrides,
    }
    response = client.post("/v1/patients", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


NEW_YORK = ZoneInfo("America/New_York")


def new_york(local: str) -> datetime:
    """A wall time in New York (the test clinic's zone), as its instant in UTC."""
    return datetime.fromisoformat(local).replace(tzinfo=NEW_YORK).astimezone(UTC)


def send_due(engine: Engine, settings: Settings, gateway: SmsGateway, local: str) -> None:
    """One worker round at New York time `local`, with the default plan."""
    Dispatcher(
        engine, gateway, settings, plan=lambda: default_plan(settings), worker_id="w"
    ).run_once(new_york(local))


def move(client: TestClient, headers: dict[str, str], procedure: dict, when: str) -> dict:
    """Reschedule `procedure` over the API to local time `when`; its new state."""
    response = client.patch(
        f"/v1/procedures/{procedure['id']}", json={"scheduled_at": when}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def front_desk(session: Session, now: datetime) -> ApiKey:
    """A staff key to name as who made a change, for tests that call the domain directly."""
    key, _ = create_api_key(session, role="staff", name="front desk", now=now)
    return key


def book(client: TestClient, headers: dict[str, str], patient_id: int, scheduled_at: str) -> dict:
    response = client.post(
        f"/v1/patients/{patient_id}/procedures",
        json={"scheduled_at": scheduled_at},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


# --- Twilio: the local fake, and the app as Twilio reaches it -----------------------------


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    """The local fake Twilio (a module's `tw_settings` may point the app at it)."""
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def tw_settings(database_url: str) -> Settings:
    """Settings with Twilio configured; a module overrides this fixture to change them."""
    return twilio_settings(database_url)


@pytest.fixture
def sms_gateway() -> SmsGateway | None:
    """The gateway the app sends through; None keeps the one its settings build."""
    return None


@pytest.fixture
def tw(
    tw_settings: Settings, engine: Engine, clock: Clock, sms_gateway: SmsGateway | None
) -> Iterator[TestClient]:
    """The app at its public address, where Twilio's signed webhooks reach it."""
    app = bound_app(tw_settings, engine, clock)
    if sms_gateway is not None:
        app.state.sms_gateway = sms_gateway
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        yield client
