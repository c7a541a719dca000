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
from tests.conftest import Clock, run_migrations

NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'reminders.db'}"
    run_migrations(url)
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


def test_no_request_makes_the_api_answer_500(fuzzed_app):
    # Twilio's webhooks are signed by Twilio, not called with keys; their own tests cover them.
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app).exclude(
        path_regex="^/v1/twilio/"
    )
    headers = {"Authorization": f"Bearer {fuzzed_app.state.fuzz_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:
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
            case.call_and_validate(
                headers=key, checks=[not_a_server_error, negative_data_rejection]
            )

        call()
