"""Bulk rows for the multi-worker tests and the benchmarks, written with plain SQL.

Every patient gets one procedure with one due reminder, so one slot is one reminder and
a text's recipient (a unique phone per patient) names the reminder it carries.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

# A Monday, 10:00 in New York: inside the sending window.
NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
ZONE = "America/New_York"


def phone_of(patient_id: int) -> str:
    return f"+1202{patient_id:07d}"


def seed_due(
    engine: Engine,
    count: int,
    *,
    now: datetime = NOW,
    first_id: int = 1,
    due_spread: timedelta = timedelta(0),
) -> None:
    """`count` patients, each with one procedure and one pending reminder due by `now`.

    With `due_spread`, reminder i is due at now - 1 min + i/count * spread (the rest of
    them becomes due later, for steady-load measurements).
    """
    last_id = first_id + count - 1
    params = {
        "a": first_id,
        "b": last_id,
        "n": count,
        "now": now,
        "due": now - timedelta(minutes=1),
        "spread": due_spread.total_seconds(),
        "useful": now + timedelta(days=1) + due_spread,
        "scheduled": now + timedelta(days=14),
        "zone": ZONE,
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patient (id, given_name, family_name, phone, timezone, language,"
                " sms_consent, consent_recorded_at, created_at)"
                " SELECT g, 'Pat', 'Number' || g, '+1202' || lpad(g::text, 7, '0'), :zone, 'en',"
                " true, :now, :now FROM generate_series(CAST(:a AS int), CAST(:b AS int)) g"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO procedure (id, patient_id, scheduled_at, status, created_at,"
                " updated_at)"
                " SELECT g, g, :scheduled, 'scheduled', :now, :now"
                " FROM generate_series(CAST(:a AS int), CAST(:b AS int)) g"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO reminder (procedure_id, patient_id, step, occurrence, due_at,"
                " useful_until, status, attempts, next_attempt_at, created_at, updated_at)"
                " SELECT g, g, 'prep_week', 1, d, :useful, 'pending', 0, d, :now, :now"
                " FROM (SELECT g, CAST(:due AS timestamptz)"
                "   + make_interval(secs => (g - CAST(:a AS int)) * CAST(:spread AS float8)"
                "     / CAST(:n AS int)) AS d"
                "   FROM generate_series(CAST(:a AS int), CAST(:b AS int)) g) s"
            ),
            params,
        )
        for table in ("patient", "procedure"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), CAST(:b AS int))"),
                params,
            )


def seed_sent_history(engine: Engine, count: int, procedures: int, now: datetime = NOW) -> None:
    """`count` already-sent reminders spread over procedures 1..`procedures` (history)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reminder (procedure_id, patient_id, step, occurrence, due_at,"
                " useful_until, status, attempts, next_attempt_at, created_at, updated_at)"
                " SELECT 1 + g % CAST(:p AS int), 1 + g % CAST(:p AS int), 'history', g, :old,"
                " :old, 'sent', 1, NULL, :old, :old FROM generate_series(1, CAST(:n AS int)) g"
            ),
            {"n": count, "p": procedures, "old": now - timedelta(days=30)},
        )


def reminder_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM reminder GROUP BY status")).all()
    return {status: int(n) for status, n in rows}


def seed_due_anywhere(engine: Engine, count: int, *, now: datetime = NOW, zone: str = ZONE) -> None:
    """seed_due's rows with plain inserts, for SQLite as well as PostgreSQL."""
    ids = range(1, count + 1)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patient (id, given_name, family_name, phone, timezone, language,"
                " sms_consent, consent_recorded_at, created_at)"
                " VALUES (:id, 'Pat', :family, :phone, :zone, 'en', true, :now, :now)"
            ),
            [
                {"id": i, "family": f"Number{i}", "phone": phone_of(i), "zone": zone, "now": now}
                for i in ids
            ],
        )
        conn.execute(
            text(
                "INSERT INTO procedure (id, patient_id, scheduled_at, status, created_at,"
                " updated_at) VALUES (:id, :id, :scheduled, 'scheduled', :now, :now)"
            ),
            [{"id": i, "scheduled": now + timedelta(days=14), "now": now} for i in ids],
        )
        conn.execute(
            text(
                "INSERT INTO reminder (procedure_id, patient_id, step, occurrence, due_at,"
                " useful_until, status, attempts, next_attempt_at, created_at, updated_at)"
                " VALUES (:id, :id, 'prep_week', 1, :due, :useful, 'pending', 0, :due,"
                " :now, :now)"
            ),
            [
                {
                    "id": i,
                    "due": now - timedelta(minutes=1),
                    "useful": now + timedelta(days=1),
                    "now": now,
                }
                for i in ids
            ],
        )
        if engine.dialect.name == "postgresql":
            for table in ("patient", "procedure"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                    {"n": count},
                )
