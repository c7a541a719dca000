"""A practice-management export of thousands of rows: new patients go in together, a few
statements per 500 rows (not a dozen per row), with every rule of one at a time: the
duplicate rule, consent, the audit, and a row's problem costing only that row."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

from service.audit.models import AuditEntry
from service.audit.service import Source
from service.config import Settings
from service.errors import LikelyDuplicate
from service.intake.spreadsheet.cli import run_import
from service.patients.enrolling_many import enroll_patients
from service.patients.models import Patient, PatientNameToken
from service.patients.schemas import PatientCreate
from service.patients.service import enroll_patient
from service.procedures.models import Procedure, Reminder
from service.timeline.plan import CONSENT_REQUEST_STEP
from tests.conftest import Clock

HEADER = "Last Name,First Name,DOB,Cell Phone,MRN,Procedure Date,Procedure Time,Language"


def export(rows: int, *, first: int = 0) -> bytes:
    """Capitals, US dates, a mobile each; procedures spread over spring 2027."""
    areas = (212, 312, 415, 617, 713)
    lines = [HEADER]
    for n in range(first, first + rows):
        lines.append(
            f"FAMILY{n},ANA,{1 + n % 12}/{1 + n % 28}/{1940 + n % 40},"
            f"({areas[n % 5]}) 555-{n % 10_000:04d},M{n:06d},"
            f"{3 + n % 6}/{2 + n % 27}/2027,{7 + n % 5}:{(n % 4) * 15:02d} AM,"
            f"{'Spanish' if n % 3 == 0 else 'English'}"
        )
    return ("\n".join(lines) + "\n").encode()


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _import(engine: Engine, settings: Settings, clock: Clock, path: Path) -> str:
    out = io.StringIO()
    code = run_import(
        engine, settings, path, dry_run=False, result_path=None, now=lambda: clock.now, out=out
    )
    assert code == 0, out.getvalue()[-500:]
    return out.getvalue()


def _count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_two_thousand_new_patients_import_in_a_bounded_number_of_statements(
    engine: Engine, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "spring.csv"
    path.write_bytes(export(2000))
    with statements(engine) as sent:
        out = _import(engine, settings, clock, path)
    assert "patients create: 2000" in out
    # Per 500 rows: a savepoint, the duplicate check, the patients, their name index and
    # audit, the procedures, their reminders and audit, the commit. One at a time this
    # was about 14 statements a row (28,000 here).
    assert len(sent) <= 150, sorted(set(sent))
    assert _count(engine, Patient) == 2000 and _count(engine, Procedure) == 2000
    with Session(engine) as session:
        # Each patient as one at a time: waiting for YES, asked with the first texts,
        # found by name search, and the enrollment and the booking audited.
        asked = session.exec(
            select(func.count()).where(Reminder.step == CONSENT_REQUEST_STEP)
        ).one()
        waiting = session.exec(
            select(func.count()).where(Patient.awaiting_yes_since == clock.now)  # type: ignore[arg-type]
        ).one()
        tokens = session.exec(select(func.count()).select_from(PatientNameToken)).one()
        audited = session.exec(
            select(AuditEntry.entity, func.count()).group_by(AuditEntry.entity)  # type: ignore[arg-type]
        ).all()
    assert asked == 2000 and waiting == 2000 and tokens >= 4000
    assert dict(audited) == {"patient": 2000, "procedure": 2000, "spreadsheet": 1}
    reminders = _count(engine, Reminder)

    with statements(engine) as again:
        out = _import(engine, settings, clock, path)
    assert "patients unchanged: 2000" in out and "procedures unchanged: 2000" in out
    assert len(again) <= 30
    assert _count(engine, Patient) == 2000 and _count(engine, Reminder) == reminders


def test_many_at_once_refuses_the_duplicates_one_at_a_time_would(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    def person(given: str, family: str, phone: str, mrn: str | None = None) -> PatientCreate:
        return PatientCreate(
            given_name=given, family_name=family, phone=phone, mrn=mrn, sms_consent=True
        )

    with Session(engine, expire_on_commit=False) as session:
        enrolled = enroll_patient(
            session, person("Ruth", "Hall", "(212) 555-0150", "H1"), settings,
            Source("test"), clock.now, feed="csv",
        )  # fmt: skip
        session.commit()
        results = enroll_patients(
            session,
            [
                person("Rita", "HALL", "212-555-0150"),  # the enrolled one's phone and family
                person("Ann", "Lee", "(312) 555-0101", "H1"),  # the enrolled one's MRN
                person("Bo", "Kim", "(415) 555-0102"),
                person("Bea", "Kim", "(415) 555-0102"),  # the row above's phone and family
                person("Cy", "Day", "not a phone"),
            ],
            settings, Source("test"), clock.now, feed="csv",
        )  # fmt: skip
        session.commit()
    hall, lee, bo, bea, day = results
    assert isinstance(hall, LikelyDuplicate) and hall.existing_patient_ids == [enrolled.id]
    assert "same phone and family name" in hall.message
    assert (
        isinstance(lee, LikelyDuplicate)
        and lee.message == f"MRN H1 belongs to patient {enrolled.id}"
    )
    assert isinstance(bo, Patient) and bo.id is not None
    assert isinstance(bea, LikelyDuplicate) and bea.existing_patient_ids == [bo.id]
    assert not isinstance(day, Patient) and day.field == "phone"
    assert _count(engine, Patient) == 2  # Ruth and Bo; nothing of the refused
    assert _count(engine, AuditEntry) == 2


def test_many_at_once_keeps_a_confirmed_relative_but_never_a_second_mrn(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    # allow_duplicate: the caller confirmed a relative sharing the phone; an MRN is unique.
    def twin(given: str, mrn: str) -> PatientCreate:
        return PatientCreate(
            given_name=given, family_name="Kim", phone="(415) 555-0102", mrn=mrn,
            sms_consent=True, allow_duplicate=True,
        )  # fmt: skip

    with Session(engine, expire_on_commit=False) as session:
        bo, bea, again = enroll_patients(
            session, [twin("Bo", "K1"), twin("Bea", "K2"), twin("Cy", "K1")], settings,
            Source("test"), clock.now, feed="csv",
        )  # fmt: skip
        session.commit()
    assert isinstance(bo, Patient) and isinstance(bea, Patient)
    assert isinstance(again, LikelyDuplicate) and again.existing_patient_ids == [bo.id]
    assert _count(engine, Patient) == 2


def test_when_the_database_refuses_a_batch_each_row_is_tried_alone(
    engine: Engine, settings: Settings, clock: Clock, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Someone enrolls MRN M000003 between the check and the insert (the duplicate check
    # sees nothing): the MRN's unique index refuses the batch, and every row is tried
    # again alone, so only that row is affected.
    path = tmp_path / "spring.csv"
    path.write_bytes(export(6))
    import service.patients.enrolling_many as many

    real = many.likely_duplicates_of_many

    def meanwhile(session: Session, wanted: list) -> list[list[Patient]]:
        answers = real(session, wanted)
        with Session(engine) as other:
            enroll_patient(
                other,
                PatientCreate(
                    given_name="Someone", family_name="Else", phone="(617) 555-0999",
                    mrn="M000003", sms_consent=True,
                ),
                settings, Source("console"), clock.now,
            )  # fmt: skip
            other.commit()
        monkeypatch.setattr(many, "likely_duplicates_of_many", real)
        return answers

    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: nobody enrolls meanwhile")
    monkeypatch.setattr(many, "likely_duplicates_of_many", meanwhile)
    _import(engine, settings, clock, path)
    with Session(engine) as session:
        someone = session.exec(select(Patient).where(Patient.mrn == "M000003")).one()
        # One at a time, the row's MRN finds that record: the row books its procedure.
        assert someone.given_name == "Someone"
        assert (
            session.exec(
                select(func.count()).where(Procedure.patient_id == someone.id)  # type: ignore[arg-type]
            ).one()
            == 1
        )
    assert _count(engine, Patient) == 6 and _count(engine, Procedure) == 6


def test_reminders_written_together_are_the_rows_one_at_a_time_writes(
    engine: Engine, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "one.csv"
    path.write_bytes(export(3))
    _import(engine, settings, clock, path)
    with Session(engine) as session:
        first = session.exec(select(Patient).where(Patient.mrn == "M000000")).one()
        together = _timeline(session, first.id or 0)
        alone = enroll_patient(
            session,
            PatientCreate(
                given_name="Ana", family_name="Solo", phone="(303) 555-0100",
                language="es", birth_date=first.birth_date, sms_consent=True,
            ),
            settings, Source("test"), clock.now, feed="csv",
        )  # fmt: skip
        from service.procedures.service import schedule_procedure
        from service.timeline.active import active_plan

        procedure = session.exec(select(Procedure).where(Procedure.patient_id == first.id)).one()
        schedule_procedure(
            session, alone, procedure.scheduled_at, active_plan(settings, session),
            Source("test"), clock.now,
        )  # fmt: skip
        session.commit()
        assert _timeline(session, alone.id or 0) == together
        assert any(step == CONSENT_REQUEST_STEP for step, *_ in together)


def _timeline(session: Session, patient_id: int) -> list[tuple[object, ...]]:
    rows = session.exec(select(Reminder).where(Reminder.patient_id == patient_id)).all()
    return sorted(
        (r.step, r.occurrence, r.due_at, r.useful_until, r.status, r.status_reason,
         r.next_attempt_at, r.attempts)
        for r in rows
    )  # fmt: skip
