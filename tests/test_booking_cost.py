"""What enrolling a patient and booking their procedure costs the database, counted, so
a change that adds a statement to every booking shows up here and not only in a
benchmark (issue 17: 15 statements and 2 commits a pair through the API, the reminders
inserted one by one). Every way in pays the same domain cost: the API and the HL7 feed
are counted here.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event
from sqlmodel import Session, col, func, select

from service.config import Settings
from service.intake.hl7.handler import Hl7Feed
from service.procedures.models import Reminder
from tests.conftest import Clock, book, enroll

# Enrolling: the duplicate check, the patient, its name tokens, the audit, the opt-out
# look-up for the answer. Booking: the patient, the plan, the procedure, its reminders
# (one statement however many), the audit, the templates the answer is worded with.
API_STATEMENTS_PER_PAIR = 11
# One S12: the plan, the patient by MRN, the duplicate check, the patient, its name
# tokens, its audit, the appointment link, the procedure, its reminders, their audit,
# the link and the message log row (written together at the commit).
FEED_STATEMENTS_PER_MESSAGE = 12


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[Counted]:
    counted = Counted()

    def statement(_conn, _cursor, text: str, *_args: object) -> None:
        # SQLite's BEGIN IMMEDIATE (the writer's lock, service/db.py) is not counted.
        if text != "BEGIN IMMEDIATE":
            counted.statements.append(" ".join(text.split())[:80])

    def commit(_conn: object) -> None:
        counted.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def test_enrolling_and_booking_through_the_api_costs_a_bounded_number_of_statements(
    client, staff, engine: Engine
):
    # The first request with a key reads it; the next ones within API_KEY_CACHE_SECONDS
    # trust it, as a busy clinic's requests do.
    enroll(client, staff, family_name="First", phone="(212) 555-0101")
    with counting(engine) as counted:
        patient = enroll(client, staff, family_name="Second", phone="(212) 555-0102")
        procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    assert len(procedure["reminders"]) >= 20
    assert len(counted.statements) <= API_STATEMENTS_PER_PAIR, counted.statements
    # One commit per request: each answer is sent only once its change is kept.
    assert counted.commits == 2
    # The reminders went in as one statement, not one each.
    inserts = [s for s in counted.statements if s.startswith("INSERT INTO reminder")]
    assert len(inserts) == 1, inserts


def test_a_booking_from_the_hl7_feed_costs_a_bounded_number_of_statements(
    engine: Engine, settings: Settings, clock: Clock
):
    from tests.test_hl7_feed import siu

    feed = Hl7Feed(engine, settings, lambda: clock.now)
    assert b"MSA|AA|" in feed.handle(siu("S12", "WARM1", appointment="W1").encode())
    another = "PID|1||MRN5512^^^LAKESIDE^MR||OKAFOR^GRACE||19600102|F|||||(212)555-0177^PRN^CP|ENG"
    with counting(engine) as counted:
        ack = feed.handle(siu("S12", "NEXT1", appointment="N1", pid=another).encode())
    assert b"MSA|AA|" in ack, ack
    assert len(counted.statements) <= FEED_STATEMENTS_PER_MESSAGE, counted.statements
    # The change, the control id's dedupe key and the log row: one commit, before the ACK.
    assert counted.commits == 1
    with Session(engine) as session:
        planned = session.exec(
            select(func.count()).select_from(Reminder).where(col(Reminder.patient_id).is_not(None))
        ).one()
    assert planned >= 40  # both patients' timelines, each inserted in one statement
