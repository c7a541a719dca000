"""Finding a patient stays an index lookup with a clinic's worth of patients."""

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from service.db import make_engine
from service.patients.search import matches, search_query
from tests.support.schema import fresh_postgres

pytestmark = [pytest.mark.postgres]

SURNAMES = ["Lopez", "Garcia", "Smith", "Nguyen", "Johnson", "Brown", "Martinez", "Chen"]


def _plan(conn, q: str) -> str:
    statement = search_query(matches(q, "US")).limit(50)
    sql = str(
        statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )
    return "\n".join(row[0] for row in conn.execute(text("EXPLAIN " + sql)))


def test_name_phone_and_mrn_searches_use_indexes_at_ten_thousand_patients(postgres_url):
    fresh_postgres(postgres_url)
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO patient (given_name, family_name, phone, mrn, timezone,"
                    " language, sms_consent, consent_recorded_at, created_at)"
                    " SELECT 'Pat' || g, (CAST(:names AS text[]))[1 + g % 8] || g,"
                    " '+1212555' || lpad((g % 10000)::text, 4, '0'), 'MRN' || g,"
                    " 'America/Chicago', 'es', true, now(), now()"
                    " FROM generate_series(1, 10000) g"
                ),
                {"names": SURNAMES},
            )
            conn.execute(text("ANALYZE patient"))
            by_name = _plan(conn, "lopez12")
            by_two_words = _plan(conn, "pat12 garcia")
            by_phone = _plan(conn, "(212) 555-4711")
            by_mrn = _plan(conn, "mrn4711")
    finally:
        engine.dispose()
    assert "ix_patient_family_name_lower" in by_name, by_name
    assert "Seq Scan" not in by_name, by_name
    assert "Seq Scan" not in by_two_words, by_two_words
    assert "ix_patient_phone" in by_phone, by_phone
    assert "Seq Scan" not in by_mrn, by_mrn
