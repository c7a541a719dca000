"""Finding a patient stays an index lookup with a clinic's worth of patients."""

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from service.db import make_engine
from service.patients.folding import fold, name_tokens
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


def test_name_phone_birth_date_and_mrn_searches_use_indexes_at_ten_thousand_patients(
    postgres_url,
):
    fresh_postgres(postgres_url)
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO patient (given_name, family_name, phone, mrn, birth_date,"
                    " timezone, language, sms_consent, consent_recorded_at, created_at)"
                    " SELECT 'Pat' || g, (CAST(:names AS text[]))[1 + g % 8] || g,"
                    " '+1212555' || lpad((g % 10000)::text, 4, '0'), 'MRN' || g,"
                    " DATE '1940-01-01' + g, 'America/Chicago', 'es', true, now(), now()"
                    " FROM generate_series(1, 10000) g"
                ),
                {"names": SURNAMES},
            )
            rows = conn.execute(text("SELECT id, given_name, family_name FROM patient")).all()
            conn.execute(
                text(
                    "INSERT INTO patient_name_token (patient_id, token, family_name_folded,"
                    " given_name_folded) VALUES (:id, :t, :f, :g)"
                ),
                [
                    {"id": r.id, "t": t, "f": fold(r.family_name), "g": fold(r.given_name)}
                    for r in rows
                    for t in name_tokens(r.given_name, r.family_name)
                ],
            )
            conn.execute(text("UPDATE patient SET phone_reversed = reverse(substr(phone, 2))"))
            conn.execute(text("ANALYZE"))
            by_name = _plan(conn, "lopez12")
            by_two_words = _plan(conn, "pat1234 garcia")
            by_phone_end = _plan(conn, "555-4711")
            by_birth = _plan(conn, "3/16/1950")
            by_mrn = _plan(conn, "mrn4711")
    finally:
        engine.dispose()
    assert "ix_patient_name_token_token" in by_name, by_name
    for plan in (by_name, by_two_words, by_phone_end, by_birth, by_mrn):
        assert "Seq Scan" not in plan, plan
    assert "ix_patient_phone_reversed" in by_phone_end, by_phone_end
    assert "ix_patient_birth_date" in by_birth, by_birth
