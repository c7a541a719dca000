"""The worker texts each reminder once, when it is due, and never at night."""

import threading
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from scheduler.worker import DispatchLoop, schedule_jobs
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import SendFailed
from service.procedures.models import Reminder
from service.timeline.active import default_plan
from tests.conftest import Clock, book, enroll, new_york
from tests.fakes.gateways import RecordingGateway

PHONE = "+12125550142"


def _dispatcher(engine, settings, gateway, worker="worker-1"):
    return Dispatcher(
        engine, gateway, settings, plan=lambda: default_plan(settings), worker_id=worker
    )


def _reminders(engine, procedure_id):
    with Session(engine) as session:
        return {
            (r.step, r.occurrence): r
            for r in session.exec(select(Reminder).where(Reminder.procedure_id == procedure_id))
        }


def test_the_week_before_text_goes_out_once_when_due(client, staff, engine, settings, clock):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    dispatcher = _dispatcher(engine, settings, gateway)

    assert dispatcher.run_once(new_york("2027-03-09T08:59:00")).sent == 0
    report = dispatcher.run_once(new_york("2027-03-09T09:00:30"))
    assert report.sent == 1
    # Sent once (the baseline check-in question follows at 09:05, its own text).
    assert dispatcher.run_once(new_york("2027-03-09T09:04:00")).sent == 0
    [text] = gateway.sent
    assert text.to == PHONE
    assert text.body.startswith("Lakeside Spine: Hi Maria.")
    assert "Tuesday, March 16 at 7:00 AM" in text.body
    assert "blood thinners" in text.body
    # The first text of the timeline says how to stop (US carrier rules).
    assert text.body.endswith("Questions? Call (555) 201-3344. Reply STOP to opt out.")

    messages = client.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert [(m["body"], m["steps"], m["status"]) for m in messages] == [
        (text.body, ["opt_out_notice", "prep_week"], "sent")
    ]
    timeline = client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()
    prep = next(r for r in timeline["reminders"] if r["step"] == "prep_week")
    assert (prep["status"], prep["message_id"]) == ("sent", messages[0]["id"])


def test_steps_due_together_arrive_as_one_text(client, staff, engine, settings):
    patient = enroll(client, staff)
    book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    dispatcher = _dispatcher(engine, settings, gateway)
    dispatcher.run_once(new_york("2027-03-16T12:00:00"))
    dispatcher.run_once(new_york("2027-03-17T09:00:00"))
    day_of_rest, morning_after = gateway.sent
    assert "lazy day" in day_of_rest.body
    assert "shower or bathe" in morning_after.body and "Ice day 1 of 7" in morning_after.body
    assert morning_after.body.count("Lakeside Spine") == 1


def test_each_ice_text_says_which_of_the_seven_days_it_is(client, staff, engine, settings):
    patient = enroll(client, staff)
    book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    dispatcher = _dispatcher(engine, settings, gateway)
    for day in range(1, 8):
        # A slot over SMS_MAX_SEGMENTS goes out a minute at a time: the worker runs on.
        for minute in range(4):
            dispatcher.run_once(new_york(f"2027-03-{16 + day}T09:0{minute}:30"))
    ice = [t.body for t in gateway.sent if "Ice day" in t.body]
    assert [next(n for n in range(1, 8) if f"Ice day {n} of 7" in b) for b in ice] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    assert "the last" in ice[-1] and "about a week" not in ice[-1]


def test_a_worker_catching_up_folds_what_fits_and_sends_the_rest_a_minute_later(
    client, staff, engine, settings
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    # Down from before the procedure until the next morning.
    dispatcher = _dispatcher(engine, settings, gateway)
    dispatcher.run_once(new_york("2027-03-17T09:00:00"))
    [text] = gateway.sent  # one text, not a burst: what does not fit waits a minute
    assert "lazy day" in text.body and "Call 911" in text.body
    assert dispatcher.run_once(new_york("2027-03-17T09:00:30")).sent == 0
    dispatcher.run_once(new_york("2027-03-17T09:01:00"))
    assert "shower or bathe" in gateway.sent[1].body
    timeline = _reminders(engine, procedure["id"])
    assert timeline[("prep_week", 1)].status == "skipped"
    assert timeline[("fasting", 1)].status == "skipped"


def test_fasting_text_names_the_clock_time_fasting_starts(client, staff, engine, settings):
    patient = enroll(client, staff)
    book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    _dispatcher(engine, settings, gateway).run_once(new_york("2027-03-15T18:00:00"))
    [text] = gateway.sent
    assert "from 11:00 PM on Monday, March 15" in text.body
    assert "until your procedure at 7:00 AM" in text.body


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(client, staff, engine, settings):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    outage = [SendFailed("provider unavailable", retryable=True, code="503")] * 3
    gateway = RecordingGateway(failures=outage)
    dispatcher = _dispatcher(engine, settings, gateway)
    due = new_york("2027-03-09T09:00:00")

    assert dispatcher.run_once(due).retried == 1
    first_retry = _reminders(engine, procedure["id"])[("prep_week", 1)]
    assert first_retry.status == "pending" and first_retry.attempts == 1
    # Backoff: 60 s base with jitter between half and one and a half times.
    assert due + timedelta(seconds=30) <= first_retry.next_attempt_at <= due + timedelta(seconds=90)
    assert dispatcher.run_once(due + timedelta(seconds=10)).claimed == 0

    assert dispatcher.run_once(first_retry.next_attempt_at).retried == 1
    second = _reminders(engine, procedure["id"])[("prep_week", 1)]
    assert dispatcher.run_once(second.next_attempt_at).failed == 1
    failed = _reminders(engine, procedure["id"])[("prep_week", 1)]
    assert failed.status == "failed"
    assert failed.status_reason == "not sent after 3 attempt(s): 503: provider unavailable"
    assert gateway.sent == []
    messages = client.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert [m["status"] for m in messages] == ["failed"] * 3
    assert {m["error_code"] for m in messages} == {"503"}


def test_a_permanent_refusal_is_not_retried(client, staff, engine, settings):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway(failures=[SendFailed("not a mobile", retryable=False, code="21614")])
    assert (
        _dispatcher(engine, settings, gateway).run_once(new_york("2027-03-09T09:00:00")).failed == 1
    )
    reminder = _reminders(engine, procedure["id"])[("prep_week", 1)]
    assert (reminder.status, reminder.attempts) == ("failed", 1)
    assert "21614" in reminder.status_reason


def test_a_restarted_worker_does_not_resend_what_was_sent(client, staff, engine, settings):
    patient = enroll(client, staff)
    book(client, staff, patient["id"], "2027-03-16T07:00:00")
    first = RecordingGateway()
    _dispatcher(engine, settings, first, "worker-a").run_once(new_york("2027-03-09T09:00:00"))
    second = RecordingGateway()
    _dispatcher(engine, settings, second, "worker-b").run_once(new_york("2027-03-09T09:04:00"))
    assert len(first.sent) == 1 and second.sent == []


def test_a_crashed_workers_claims_expire_and_another_worker_sends_them(
    client, staff, engine, settings
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    due = new_york("2027-03-09T09:00:00")
    crashed = _dispatcher(engine, settings, RecordingGateway(), "crashed")
    _slots, rows = crashed.claim(due)  # claimed, then the process died before sending
    assert rows == 2  # the week-before text and the opt-out line riding with it
    survivor_gateway = RecordingGateway()
    survivor = _dispatcher(engine, settings, survivor_gateway, "survivor")
    assert survivor.run_once(due + timedelta(seconds=30)).claimed == 0  # lease still held
    lease_over = due + timedelta(seconds=settings.claim_lease_seconds + 1)
    assert survivor.run_once(lease_over).sent == 1
    assert _reminders(engine, procedure["id"])[("prep_week", 1)].status == "sent"
    assert len(survivor_gateway.sent) == 1


def test_a_worker_back_from_an_outage_at_night_waits_for_the_morning(
    client, staff, engine, settings
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    dispatcher = _dispatcher(engine, settings, gateway)
    # The 11:00 day-of-rest text was missed; the worker returns at 23:30.
    report = dispatcher.run_once(new_york("2027-03-16T23:30:00"))
    assert report.deferred == 1 and gateway.sent == []
    deferred = _reminders(engine, procedure["id"])[("day_of_rest", 1)]
    assert deferred.next_attempt_at == new_york("2027-03-17T08:00:00")
    dispatcher.run_once(new_york("2027-03-17T08:00:00"))
    assert "lazy day" in gateway.sent[0].body


def test_a_slow_batch_running_past_closing_time_leaves_its_last_text_for_the_morning(
    client, staff, engine, settings
):
    # Three patients' week-before texts were missed in an outage; the worker is back at
    # 20:55, and the provider, rate-limited, takes a text only every quarter of an hour.
    procedures = [
        book(client, staff, enroll(client, staff, phone=phone)["id"], "2027-03-16T07:00:00")
        for phone in ("(212) 555-0142", "(212) 555-0143", "(212) 555-0144")
    ]
    clock = Clock(new_york("2027-03-09T20:55:00"))

    class SlowGateway(RecordingGateway):
        def send(self, text):
            accepted = super().send(text)
            clock.advance(minutes=15)
            return accepted

    gateway = SlowGateway()
    one_at_a_time = settings.model_copy(update={"send_concurrency": 1})
    DispatchLoop(_dispatcher(engine, one_at_a_time, gateway), clock=clock)()

    # 20:55 and 21:10 (inside the grace after 21:00) go out; at 21:25 it is too late.
    assert len(gateway.sent) == 2
    last = _reminders(engine, procedures[2]["id"])[("prep_week", 1)]
    assert (last.status, last.next_attempt_at) == ("pending", new_york("2027-03-10T08:00:00"))


def test_a_reminder_that_stopped_being_useful_is_skipped_not_sent(client, staff, engine, settings):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    # The worker was down from before the fasting text until after the procedure.
    _dispatcher(engine, settings, gateway).run_once(new_york("2027-03-16T09:00:00"))
    fasting = _reminders(engine, procedure["id"])[("fasting", 1)]
    assert fasting.status == "skipped"
    assert "stopped being useful" in fasting.status_reason
    assert all("Nothing to eat" not in body for body in gateway.bodies_to(PHONE))


def test_apscheduler_drives_the_dispatch_loop(client, staff, engine, settings):
    patient = enroll(client, staff)
    book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    ran = threading.Event()

    class Loop(DispatchLoop):
        def __call__(self) -> None:
            super().__call__()
            ran.set()

    loop = Loop(
        _dispatcher(engine, settings, gateway), clock=lambda: new_york("2027-03-09T09:00:00")
    )
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule_jobs(scheduler, loop, engine)
    assert {job.id for job in scheduler.get_jobs()} == {"dispatch", "housekeeping"}
    scheduler.start()
    try:
        assert ran.wait(timeout=30)
    finally:
        scheduler.shutdown(wait=True)
        # The loop claims the next batch while texts are out: the worker's own shutdown
        # waits for the texts in flight to be recorded before anything is counted.
        loop.finish()
    assert len(gateway.sent) == 1


def test_staff_see_every_text_that_could_not_be_sent_in_one_list(client, staff, engine, settings):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    refusal = SendFailed("not a mobile number", retryable=False, code="21614")
    _dispatcher(engine, settings, RecordingGateway(failures=[refusal])).run_once(
        new_york("2027-03-09T09:00:00")
    )
    failed = client.get("/v1/reminders", headers=staff).json()
    assert [(r["procedure_id"], r["step"], r["status"]) for r in failed] == [
        (procedure["id"], "opt_out_notice", "failed"),
        (procedure["id"], "prep_week", "failed"),
    ]
    assert "21614" in failed[0]["status_reason"]
    later = client.get("/v1/reminders", params={"since": "2027-04-01T00:00:00Z"}, headers=staff)
    assert later.json() == []
    pending = client.get("/v1/reminders", params={"status": "pending"}, headers=staff).json()
    assert len(pending) == 29  # 19 texts and 10 check-in questions (5 and their reminders)
    bad = client.get("/v1/reminders", params={"status": "lost"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert client.get("/v1/reminders").status_code == 401


def test_rejected_credentials_never_use_up_a_patients_tries(client, staff, engine, settings):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    outage = [SendFailed("authenticate", retryable=True, code="20003", spends_attempt=False)] * 6
    gateway = RecordingGateway(failures=outage)
    dispatcher = _dispatcher(engine, settings, gateway)
    when = new_york("2027-03-09T09:00:00")
    for _ in range(6):  # twice SEND_MAX_ATTEMPTS, all refused for the clinic's credentials
        assert dispatcher.run_once(when).retried == 1
        when = _reminders(engine, procedure["id"])[("prep_week", 1)].next_attempt_at
    waiting = _reminders(engine, procedure["id"])[("prep_week", 1)]
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    assert "waiting for the clinic's set-up" in waiting.status_reason
    dispatcher.run_once(when)  # credentials fixed
    assert _reminders(engine, procedure["id"])[("prep_week", 1)].status == "sent"
    assert len(gateway.sent) == 1


def test_one_text_that_cannot_be_written_does_not_hold_up_the_others(
    client, staff, engine, settings, monkeypatch
):
    import service.delivery.prepare as dispatch

    maria = enroll(client, staff)
    ana = enroll(client, staff, given_name="Ana", phone="(212) 555-0199")
    maria_procedure = book(client, staff, maria["id"], "2027-03-16T07:00:00")
    book(client, staff, ana["id"], "2027-03-16T09:00:00")
    real_compose = dispatch.compose_within

    def broken_for_maria(steps, facts, language, limit, **kwargs):
        if facts.given_name == "Maria":
            raise RuntimeError("a template bug")
        return real_compose(steps, facts, language, limit, **kwargs)

    monkeypatch.setattr(dispatch, "compose_within", broken_for_maria)
    gateway = RecordingGateway()
    report = _dispatcher(engine, settings, gateway).run_once(new_york("2027-03-09T09:00:00"))
    assert (report.sent, report.retried, report.errors) == (1, 1, [])
    assert [t.to for t in gateway.sent] == ["+12125550199"]
    stuck = _reminders(engine, maria_procedure["id"])[("prep_week", 1)]
    assert (stuck.status, stuck.attempts) == ("pending", 1)
    assert stuck.status_reason.startswith("attempt 1 failed (compose: the text could not be")
