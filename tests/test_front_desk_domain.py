"""The front desk's domain answers, on SQLite and PostgreSQL: a simulated reply goes
through the webhook's code, whom to call before a procedure, whether a booking date
looks like a slip, and phone numbers written the clinic's way."""

import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from service.config import Settings
from service.conversation.simulated import run_reply_command, simulate_reply
from service.errors import DomainError
from service.messaging.models import Direction, Message
from service.patients.phone import national_format
from service.procedures.booking_check import check_procedure_date
from service.procedures.calls import procedures_to_call
from service.timeline.active import default_plan
from tests.conftest import book, enroll


def test_a_reply_typed_at_the_terminal_is_kept_answered_and_waits_in_the_inbox(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff, phone="(312) 555-0142")
    out = io.StringIO()
    done = simulate_reply(
        settings, engine, "312.555.0142", "I can't feel my legs and can't pee", clock.now, out
    )
    printed = out.getvalue()
    # The answer is printed like any text the console gateway sends, the number masked.
    assert printed.startswith("[console sms] to +1******0142\n") and "911" in printed
    assert done.urgent and done.patient_id == patient["id"] and not done.handled
    inbox = client.get("/v1/inbox", headers=staff).json()
    assert [(r["patient_id"], r["urgent"]) for r in inbox] == [(patient["id"], True)]
    with Session(engine) as session:
        answers = session.exec(select(Message).where(Message.direction == Direction.outbound)).all()
        assert [m.body for m in answers] == [printed.split("\n", 1)[1].strip()]


def test_a_stop_typed_at_the_terminal_stops_the_texts(client, staff, engine, settings, clock):
    patient = enroll(client, staff, phone="(312) 555-0142")
    book(client, staff, patient["id"], "2027-03-09T08:00:00")
    done = simulate_reply(settings, engine, "+13125550142", "STOP", clock.now, io.StringIO())
    assert done.handled
    with Session(engine) as session:
        to_call = procedures_to_call(session, clock.now)
    assert [(c.patient.id, c.opted_out_at is not None) for c in to_call] == [(patient["id"], True)]
    # Outside the next 14 days nobody is listed yet.
    with Session(engine) as session:
        assert procedures_to_call(session, clock.now, ahead=timedelta(days=3)) == []


def test_reply_is_refused_with_twilio_configured(settings, engine, clock):
    twilio = settings.model_copy(update={"sms_gateway": "twilio"})
    with pytest.raises(DomainError, match="SMS_GATEWAY=console"):
        simulate_reply(twilio, engine, "+13125550142", "hello", clock.now, io.StringIO())
    assert run_reply_command(twilio, "+13125550142", "hello") == 1


def test_user_create_before_migrate_says_so_and_leaves_no_empty_database(tmp_path: Path):
    env = {"DATABASE_URL": "sqlite:///./var/reminders.db", "PATH": "/usr/bin:/bin"}
    ran = subprocess.run(
        [
            *(str(Path(sys.executable).parent / "reminders"), "user", "create"),
            *("--email", "a@b.org", "--name", "A", "--role", "admin", "--password-stdin"),
        ],
        input="correct horse battery staple\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    assert "there is no database at var/reminders.db" in ran.stderr
    assert "reminders migrate" in ran.stderr
    assert not (tmp_path / "var").exists()


def test_a_procedure_typed_for_last_week_lists_the_texts_it_skips_and_sends_late():
    plan = default_plan(Settings(_env_file=None))  # type: ignore[call-arg]
    chicago = ZoneInfo("America/Chicago")
    now = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
    check = check_procedure_date(plan, datetime(2027, 2, 26, 14, 0, tzinfo=UTC), chicago, now)
    assert check is not None and check.in_past
    skipped = {s.step for s in check.skipped}
    assert {"prep_week", "fasting", "day_of_rest"} <= skipped
    assert all(late.due_at > late.planned_at for late in check.late)
    assert {late.step for late in check.late} == {"warning_signs", "wound_check"}
    far = check_procedure_date(plan, now + timedelta(days=400), chicago, now)
    assert far is not None and not far.in_past and far.skipped == far.late == []
    assert check_procedure_date(plan, now + timedelta(days=20), chicago, now) is None


@pytest.mark.parametrize(
    ("stored", "region", "shown"),
    [
        ("+13125550142", "US", "(312) 555-0142"),
        ("+442079460000", "US", "+44 20 7946 0000"),
        ("+13125550142", "GB", "+1 312-555-0142"),
        ("unknown-sender", "US", "unknown-sender"),
    ],
)
def test_numbers_are_written_the_clinics_way(stored, region, shown):
    assert national_format(stored, region) == shown


def test_make_run_installs_only_what_the_service_runs_on_and_make_test_adds_the_rest():
    repo = Path(__file__).resolve().parents[1]

    def installs(target: str) -> list[str]:
        planned = subprocess.run(
            ["make", "-n", "-B", target], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        return [line for line in planned.splitlines() if "pip install" in line]

    assert not any("[test]" in line for line in installs("run"))
    assert any(line.endswith("-e .") for line in installs("run"))
    assert any("'.[test]'" in line for line in installs("test"))
