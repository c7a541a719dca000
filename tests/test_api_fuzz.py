"""Whatever a client sends, the API answers with a clear 4xx or success, never a 500,
and a request that breaks the API's own schema is always refused.

Schemathesis generates requests from the app's own OpenAPI schema (valid and invalid
bodies, odd ids and query strings) and calls every operation with an admin key.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error
from schemathesis.core.parameters import ParameterLocation

from service.app import create_app
from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from tests.conftest import Clock
from tests.support.schema import copy_sqlite

NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


def _operations() -> list[tuple[str, str]]:
    """Every operation the API documents, read from its schema at collection, so each is a
    test of its own: one operation's failure never hides another's."""
    app = create_app(Settings(_env_file=None, database_url="sqlite:///:memory:"))  # type: ignore[call-arg]
    return [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        # Twilio's webhooks are signed by Twilio, not called with keys; their tests cover them.
        if not path.startswith("/v1/twilio/")
        for method in item
    ]


OPERATIONS = _operations()


def test_the_api_documents_its_operations():
    assert len(OPERATIONS) >= 10


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory, sqlite_at_head: Path):
    url = copy_sqlite(sqlite_at_head, Path(tmp_path_factory.mktemp("fuzz")) / "reminders.db")
    engine = make_engine(url)
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role="admin", name="fuzz", now=NOW)
    # One client sends every case, broken keys included: no throttling of its failures.
    config = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, auth_failures_per_minute=10_000
    )
    app = create_app(config, engine=engine, clock=Clock(NOW))
    app.state.fuzz_key = secret
    yield app
    engine.dispose()


@pytest.fixture(scope="module")
def fuzzed_schema(fuzzed_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_makes_the_api_answer_500(fuzzed_app, fuzzed_schema, method, path):
    operation = fuzzed_schema[path][method]
    headers = {"Authorization": f"Bearer {fuzzed_app.state.fuzz_key}"}
    # Both well-formed requests and ones that break the schema on purpose.
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=cases)
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        # A case whose Authorization header is the broken part is sent as generated
        # (replacing it with the key would make it valid); the others with the key.
        header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
        key = None if header is not None and header.mode.is_negative else headers
        # And whatever breaks the schema is refused (4xx), never accepted and stored.
        case.call_and_validate(headers=key, checks=[not_a_server_error, negative_data_rejection])

    call()
