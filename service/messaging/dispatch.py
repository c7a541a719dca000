"""The dispatch loop's one round: claim due reminders, send each slot's text, record it.

Delivery guarantee: a reminder is marked sent in the same transaction that records the
provider's acceptance, and that transaction holds the reminders' row locks while the
provider is called. A crash before the commit leaves them pending under a lease that
expires, so another round sends them again: nothing is lost, and only a text that was
in flight at the moment of the crash can go out twice.
"""

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, or_, update
from sqlmodel import Session, col, select

from service.config import Settings
from service.messaging.consent import (
    CARRIER_OPT_OUT_KEYWORD,
    CARRIER_REPORTS_STOP,
    record_opt_out,
    skip_reason,
)
from service.messaging.gateway import Accepted, OutgoingText, SendFailed, SmsGateway
from service.messaging.masking import mask_phone
from service.messaging.models import Direction, Message, MessageStatus
from service.messaging.optouts import opt_out_state
from service.patients.models import Patient
from service.procedures.appointments import AppointmentStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.visits import booked_appointments
from service.templates.compose import TextFacts, compose
from service.templates.store import DbTemplates
from service.timeline.plan import CORRECTION_STEP, TimelinePlan, visit_step_name
from service.timeline.planner import first_sendable_instant

log = logging.getLogger("reminders.dispatch")

# A text due at 20:59 may leave a few seconds after the window closes; past this
# grace it waits for the next window instead of reaching someone at night.
WINDOW_GRACE = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class RoundReport:
    claimed: int = 0
    claimed_rows: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "RoundReport") -> None:
        for name in ("sent", "retried", "failed", "skipped", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


@dataclass(frozen=True)
class Slot:
    """Everything of one procedure that is due now: it goes out as one text.

    Steps planned for the same time share a text by design; a worker catching up
    after an outage also folds what piled up into one text rather than a burst.
    """

    procedure_id: int


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        gateway: SmsGateway,
        settings: Settings,
        plan: Callable[[], TimelinePlan],
        *,
        worker_id: str,
        status_callback_url: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.gateway = gateway
        self.settings = settings
        self.plan = plan
        self.worker_id = worker_id
        self.status_callback_url = status_callback_url
        self.rng = rng or random.Random()  # noqa: S311 - retry jitter, not a secret
        # SQLite takes one writer at a time, so parallel sends would only queue.
        self.concurrency = 1 if engine.dialect.name == "sqlite" else settings.send_concurrency
        # Set on graceful stop: slots not yet started are left for release_claims().
        self.stopping = threading.Event()

    def run_once(self, now: datetime) -> RoundReport:
        """Claim what is due at `now` and send it; returns what happened."""
        slots, rows = self.claim(now)
        report = RoundReport(claimed=len(slots), claimed_rows=rows)
        if self.concurrency == 1 or len(slots) <= 1:
            for slot in slots:
                report.add(self.send_slot(slot, now))
        else:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="send") as pool:
                for result in pool.map(lambda s: self.send_slot(s, now), slots):
                    report.add(result)
        return report

    def claim(self, now: datetime) -> tuple[list[Slot], int]:
        """Lease a batch of due reminders to this worker in one statement."""
        if self.stopping.is_set():
            return [], 0
        lease_until = now + timedelta(seconds=self.settings.claim_lease_seconds)
        due = (
            select(Reminder.id)
            .where(
                Reminder.status == ReminderStatus.pending,
                col(Reminder.next_attempt_at) <= now,
                or_(col(Reminder.claimed_until).is_(None), col(Reminder.claimed_until) < now),
            )
            .order_by(col(Reminder.next_attempt_at))
            .limit(self.settings.dispatch_batch_size)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(Reminder)
            .where(col(Reminder.id).in_(due.scalar_subquery()))
            .values(claimed_by=self.worker_id, claimed_until=lease_until)
            .returning(col(Reminder.procedure_id))
        )
        with Session(self.engine) as session:
            rows = session.execute(statement).all()
            session.commit()
        slots = [Slot(p) for p in sorted({p for (p,) in rows})]
        return slots, len(rows)

    def release_claims(self) -> int:
        """Give back this worker's claimed-but-unsent reminders (call once its round is over)."""
        return release_claims(self.engine, self.worker_id)

    def send_slot(self, slot: Slot, now: datetime) -> RoundReport:
        report = RoundReport()
        if self.stopping.is_set():
            return report  # stopping: its claim is released, not sent
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                self._send_slot(session, slot, now, report)
                session.commit()
        except Exception as exc:  # one bad slot must not stop the round
            log.exception("slot failed procedure_id=%s", slot.procedure_id)
            report.errors.append(f"procedure {slot.procedure_id}: {exc}")
        return report

    def _send_slot(self, session: Session, slot: Slot, now: datetime, report: RoundReport) -> None:
        reminders = self._lock_slot(session, slot, now)
        if not reminders:
            return  # re-planned, cancelled or taken over since the claim
        procedure = session.get(Procedure, slot.procedure_id)
        patient = session.get(Patient, reminders[0].patient_id)
        assert procedure is not None and patient is not None
        opted_out = opt_out_state(session, patient.phone)
        if opted_out is not None and opted_out.opted_out:
            # Read after the slot's locks: a STOP committed before this point is seen here.
            for reminder in reminders:
                _finish(reminder, ReminderStatus.skipped, now, skip_reason(opted_out))
                report.skipped += 1
            log.info(
                "texts not sent procedure_id=%s to=%s: the number opted out",
                procedure.id,
                mask_phone(patient.phone),
            )
            return
        zone = ZoneInfo(patient.timezone)
        plan = self.plan()

        fresh = []
        for reminder in reminders:
            if now > reminder.useful_until:
                _finish(
                    reminder,
                    ReminderStatus.skipped,
                    now,
                    "it could not be sent before it stopped being useful",
                )
                report.skipped += 1
            else:
                fresh.append(reminder)
        if not fresh:
            return
        if not _inside_window(plan, now, zone):
            opening = first_sendable_instant(plan, now, zone)
            for reminder in fresh:
                if opening > reminder.useful_until:
                    _finish(
                        reminder,
                        ReminderStatus.skipped,
                        now,
                        "outside the sending window until it stopped being useful",
                    )
                    report.skipped += 1
                else:
                    _release(reminder, opening, now)
                    report.deferred += 1
            return

        steps = [r.step for r in fresh]
        facts = self._facts(session, patient, procedure, zone, plan)
        text = compose(steps, facts, patient.language, templates=DbTemplates(session))
        message = Message(
            patient_id=patient.id or 0,
            procedure_id=procedure.id,
            direction=Direction.outbound,
            phone=patient.phone,
            body=text.body,
            steps=",".join(steps),
            language=text.language,
            template_versions=text.template_versions,
            status=MessageStatus.sending,
            gateway=self.gateway.name,
            created_at=now,
            updated_at=now,
        )
        session.add(message)
        session.flush()
        try:
            accepted = self.gateway.send(
                OutgoingText(
                    to=patient.phone, body=text.body, status_callback=self.status_callback_url
                )
            )
        except SendFailed as failure:
            self._record_failure(session, message, fresh, failure, now, report)
            return
        except Exception as exc:  # an unexpected gateway fault is a passing fault
            fault = SendFailed(f"{type(exc).__name__}: {exc}", retryable=True, code="error")
            self._record_failure(session, message, fresh, fault, now, report)
            return
        self._record_sent(message, fresh, accepted, now)
        report.sent += 1
        log.info(
            "text sent message_id=%s procedure_id=%s steps=%s to=%s gateway=%s attempts=%s",
            message.id,
            procedure.id,
            message.steps,
            mask_phone(patient.phone),
            self.gateway.name,
            max(r.attempts for r in fresh),
        )

    def _lock_slot(self, session: Session, slot: Slot, now: datetime) -> list[Reminder]:
        # The procedure's row lock first: a reschedule or cancel holds it while it re-plans,
        # so this send waits for it (then finds its claims released) or it waits for this
        # send and re-plans from what was really sent.
        session.exec(
            select(Procedure.id).where(Procedure.id == slot.procedure_id).with_for_update()
        ).first()
        # Re-read under row locks: a reschedule that committed since the claim has
        # moved or released these rows, and one still running waits for this send.
        query = (
            select(Reminder)
            .where(
                Reminder.procedure_id == slot.procedure_id,
                Reminder.status == ReminderStatus.pending,
                col(Reminder.next_attempt_at) <= now,
                or_(
                    col(Reminder.claimed_by) == self.worker_id,
                    col(Reminder.claimed_until).is_(None),
                    col(Reminder.claimed_until) < now,
                ),
            )
            .order_by(col(Reminder.due_at), col(Reminder.id))
            .with_for_update(skip_locked=True)
        )
        reminders = list(session.exec(query))
        if not any(r.claimed_by == self.worker_id for r in reminders):
            return []
        return reminders

    def _facts(
        self,
        session: Session,
        patient: Patient,
        procedure: Procedure,
        zone: ZoneInfo,
        plan: TimelinePlan,
    ) -> TextFacts:
        told_fasting = session.exec(
            select(Reminder.id).where(
                Reminder.procedure_id == procedure.id,
                Reminder.status == ReminderStatus.sent,
                col(Reminder.step).in_(("fasting", CORRECTION_STEP)),
            )
        ).first()
        return TextFacts(
            given_name=patient.given_name,
            family_name=patient.family_name,
            clinic_name=self.settings.clinic_name,
            clinic_phone=self.settings.clinic_phone,
            zone=zone,
            procedure_starts_at=procedure.scheduled_at,
            plan=plan,
            visits={
                visit_step_name(a.kind): a.starts_at
                for a in booked_appointments(session, procedure.id or 0)
                if a.status == AppointmentStatus.booked
            },
            include_fasting=told_fasting is not None,
        )

    def _record_sent(
        self, message: Message, reminders: list[Reminder], accepted: Accepted, now: datetime
    ) -> None:
        message.status = accepted.status
        message.provider_message_id = accepted.provider_message_id
        message.sent_at = message.updated_at = now
        for reminder in reminders:
            reminder.attempts += 1
            reminder.message_id = message.id
            _finish(reminder, ReminderStatus.sent, now, None)

    def _record_failure(
        self,
        session: Session,
        message: Message,
        reminders: list[Reminder],
        failure: SendFailed,
        now: datetime,
        report: RoundReport,
    ) -> None:
        message.status = MessageStatus.failed
        message.error_code = failure.code
        message.error_message = failure.message[:500]
        message.updated_at = now
        attempts = max(r.attempts for r in reminders) + 1
        if failure.opted_out:
            # Twilio 21610: the patient texted STOP at the carrier. Never retried; the
            # number's later reminders are skipped when they come due.
            record_opt_out(session, message.phone, CARRIER_OPT_OUT_KEYWORD, now)
            for reminder in reminders:
                reminder.attempts = attempts
                reminder.message_id = message.id
                _finish(reminder, ReminderStatus.skipped, now, CARRIER_REPORTS_STOP)
            report.skipped += 1
            log.info(
                "text not sent message_id=%s to=%s: the carrier reports an opt-out",
                message.id,
                mask_phone(message.phone),
            )
            return
        give_up = not failure.retryable or attempts >= self.settings.send_max_attempts
        reason = f"{failure.code + ': ' if failure.code else ''}{failure.message}"[:400]
        for reminder in reminders:
            reminder.attempts = attempts
            reminder.message_id = message.id
            if give_up:
                _finish(
                    reminder,
                    ReminderStatus.failed,
                    now,
                    f"not sent after {attempts} attempt(s): {reason}",
                )
            else:
                reminder.status_reason = f"attempt {attempts} failed ({reason}); will retry"
                _release(reminder, now + self._backoff(attempts, failure), now)
        if give_up:
            report.failed += 1
        else:
            report.retried += 1
        log.warning(
            "text not sent message_id=%s to=%s code=%s retry=%s attempts=%s",
            message.id,
            mask_phone(message.phone),
            failure.code,
            not give_up,
            attempts,
        )

    def _backoff(self, attempts: int, failure: SendFailed) -> timedelta:
        base = self.settings.send_retry_base_seconds * 2 ** (attempts - 1)
        seconds = base * self.rng.uniform(0.5, 1.5)  # jitter spreads a burst of retries
        if failure.retry_after_seconds:
            seconds = max(seconds, failure.retry_after_seconds)
        return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _inside_window(plan: TimelinePlan, now: datetime, zone: ZoneInfo) -> bool:
    local = now.astimezone(zone)
    opens = local.replace(
        hour=plan.sending_window.opens.hour,
        minute=plan.sending_window.opens.minute,
        second=0,
        microsecond=0,
    )
    closes = local.replace(
        hour=plan.sending_window.closes.hour,
        minute=plan.sending_window.closes.minute,
        second=0,
        microsecond=0,
    )
    return opens <= local <= closes + WINDOW_GRACE


def _finish(reminder: Reminder, status: str, now: datetime, reason: str | None) -> None:
    reminder.status = status
    reminder.status_reason = reason
    reminder.next_attempt_at = None
    reminder.claimed_by = reminder.claimed_until = None
    reminder.updated_at = now


def _release(reminder: Reminder, next_attempt_at: datetime, now: datetime) -> None:
    reminder.next_attempt_at = next_attempt_at
    reminder.claimed_by = reminder.claimed_until = None
    reminder.updated_at = now


def release_claims(engine: Engine, worker_id: str) -> int:
    """Give back the pending reminders `worker_id` claimed but did not send (graceful stop)."""
    statement = (
        update(Reminder)
        .where(
            col(Reminder.claimed_by) == worker_id,
            col(Reminder.status) == ReminderStatus.pending,
        )
        .values(claimed_by=None, claimed_until=None)
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def sweep_expired_claims(engine: Engine, now: datetime) -> int:
    """Housekeeping: forget leases of crashed workers so their rows look unclaimed."""
    statement = (
        update(Reminder)
        .where(and_(col(Reminder.claimed_until).is_not(None), col(Reminder.claimed_until) < now))
        .values(claimed_by=None, claimed_until=None)
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
