"""The claim query stays an index scan of pending reminders however much history piles up."""

import pytest
from sqlalchemy import text

from service.db import make_engine
from service.delivery.claim import id_array
from service.delivery.locks import lock_statements
from tests.support.bulk import NOW, seed_due, seed_sent_history
from tests.support.schema import fresh_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CLAIM_SELECT = (
    "SELECT id FROM reminder WHERE status = 'pending' AND next_attempt_at <= :now"
    " AND (claimed_until IS NULL OR claimed_until < :now)"
    " ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED"
)


def test_a_year_of_sent_history_does_not_slow_the_claim(postgres_url):
    """A busy clinic's year: 10,000 procedures, ten sent texts each. Ten times more rows
    gave the same plan, and without the partial index this scale already sorts a bitmap
    scan of the whole status (checked by dropping it), so the test still tells."""
    fresh_postgres(postgres_url)
    engine = make_engine(postgres_url)
    try:
        seed_due(engine, 10_000)
        seed_sent_history(engine, 100_000, procedures=10_000)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE reminder"))
            plan = "\n".join(
                row[0] for row in conn.execute(text("EXPLAIN " + CLAIM_SELECT), {"now": NOW})
            )
    finally:
        engine.dispose()
    assert "ix_reminder_pending_next_attempt" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_new_clinics_first_texts_never_scan_message_once_per_reminder(postgres_url):
    """`message` was analysed while empty (a fresh install): the chunk's locking read must
    still not check each reminder's open attempt by scanning `message` (an anti-join that
    grew with the table and cost the worker a third of its speed)."""
    fresh_postgres(postgres_url)
    engine = make_engine(postgres_url)
    try:
        seed_due(engine, 2_000)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # message: empty
            conn.execute(
                text(
                    "INSERT INTO message (patient_id, procedure_id, direction, phone, body,"
                    " steps, language, status, gateway, urgent, reschedule_request,"
                    " created_at, updated_at)"
                    " SELECT id, id, 'outbound', phone, 'Lakeside Spine: hello', 'prep_week',"
                    " 'en', 'sending', 'bench', false, false, :now, :now"
                    " FROM patient WHERE id <= 1000"
                ),
                {"now": NOW},
            )
        mine = lock_statements("postgresql").mine.compile(dialect=engine.dialect)
        params = {**mine.params, "ids": id_array(range(1, 257)), "worker": "w"}
        with engine.connect() as conn:
            plan = "\n".join(
                row[0] for row in conn.exec_driver_sql("EXPLAIN " + mine.string, params)
            )
    finally:
        engine.dispose()
    assert "Anti Join" not in plan, plan
    assert "Seq Scan on message" not in plan, plan
