"""The claim query stays an index scan of pending reminders however much history piles up."""

import pytest
from sqlalchemy import text

from service.db import make_engine
from tests.conftest import run_migrations
from tests.support.bulk import NOW, seed_due, seed_sent_history
from tests.support.postgres import reset_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CLAIM_SELECT = (
    "SELECT id FROM reminder WHERE status = 'pending' AND next_attempt_at <= :now"
    " AND (claimed_until IS NULL OR claimed_until < :now)"
    " ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED"
)


def test_a_year_of_sent_history_does_not_slow_the_claim(postgres_url):
    reset_database(postgres_url)
    run_migrations(postgres_url)
    engine = make_engine(postgres_url)
    try:
        seed_due(engine, 100_000)
        seed_sent_history(engine, 1_000_000, procedures=100_000)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE reminder"))
            plan = "\n".join(
                row[0] for row in conn.execute(text("EXPLAIN " + CLAIM_SELECT), {"now": NOW})
            )
    finally:
        engine.dispose()
    assert "ix_reminder_pending_next_attempt" in plan, plan
    assert "Seq Scan" not in plan, plan
