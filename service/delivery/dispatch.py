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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    Engine,
    Integer,
    Row,
    String,
    and_,
    any_,
    bindparam,
    false,
    insert,
    or_,
    update,
)
from sqlalchemy import select as select_rows
from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from service.config import Settings
from service.conversation.consent import (
    CARRIER_OPT_OUT_KEYWORD,
    CARRIER_REPORTS_STOP,
    record_opt_out,
    skip_reason,
)
from service.conversation.optouts import PhoneOptOut
from service.delivery.gateway import Accepted, OutgoingText, SendFailed, SmsGateway
from service.messaging.masking import mask_phone
from service.messaging.models import Direction, Message, MessageStatus
from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.templates.compose import TextFacts, compose
from service.templates.store import DbTemplates
from service.timeline.plan import CORRECTION_STEP, TimelinePlan, visit_step_name
from service.timeline.planner import first_sendable_instant

log = logging.getLogger("reminders.dispatch")

# A text found due just after the window closed (a poll or a retry a few minutes late)
# still goes out; past this grace it waits for the next window instead of reaching
# someone at night.
WINDOW_GRACE = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=1)


def retry_delay(
    settings: Settings,
    attempts: int,
    *,
    retry_after_seconds: float | None = None,
    jitter: Callable[[float, float], float] = random.uniform,
) -> timedelta:
    """How long a text waits after its `attempts`-th failed try: exponential, jittered
    so a burst of failures does not retry as a burst, never beyond MAX_BACKOFF."""
    seconds = settings.send_retry_base_seconds * 2 ** (attempts - 1) * jitter(0.5, 1.5)
    if retry_after_seconds:
        seconds = max(seconds, retry_after_seconds)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


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
        # Texts in flight at once, and so texts per transaction (see send_chunk). SQLite
        # takes one writer at a time, so parallel sends would only queue.
        self.concurrency = 1 if engine.dialect.name == "sqlite" else settings.send_concurrency
        self._executor: ThreadPoolExecutor | None = None
        # Set on graceful stop: slots not yet started are left for release_claims().
        self.stopping = threading.Event()

    def run_once(self, now: datetime, clock: Callable[[], datetime] | None = None) -> RoundReport:
        """Claim what is due at `now` and send it; returns what happened.

        With `clock`, each chunk is checked (window, usefulness) at the time it is sent:
        a rate-limited batch can take minutes, and its last chunks must not go out on
        the strength of a window check made when the batch began.
        """
        slots, rows = self.claim(now)
        report = RoundReport(claimed=len(slots), claimed_rows=rows)
        if not slots:
            return report
        plan = self.plan()  # once a round: every text of the round follows the same plan
        for start in range(0, len(slots), self.concurrency):
            if self.stopping.is_set():
                break  # what is left is released by release_claims()
            chunk = slots[start : start + self.concurrency]
            report.add(self.send_chunk(chunk, clock() if clock else now, plan))
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
        """Send one procedure's due text on its own (the round sends chunks of them)."""
        return self.send_chunk([slot], now, self.plan())

    def send_chunk(self, slots: list[Slot], now: datetime, plan: TimelinePlan) -> RoundReport:
        """Send the texts of a few procedures in one transaction.

        The chunk is as large as the number of texts in flight at once, so a crash can
        repeat at most that many texts, and one commit serves them all.
        """
        report = RoundReport()
        if self.stopping.is_set():
            return report  # stopping: its claims are released, not sent
        ids = [s.procedure_id for s in slots]
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                self._send_chunk(session, ids, now, plan, report)
                session.commit()
        except Exception as exc:  # one bad chunk must not stop the round
            log.exception("chunk failed procedure_ids=%s", ids)
            report.errors.append(f"procedures {ids}: {exc}")
            # Hand its claims back at once (e.g. after a deadlock was broken) rather than
            # leaving them until the lease ends; the next poll tries again.
            release_claims(self.engine, self.worker_id, procedure_ids=ids)
        return report

    def _send_chunk(
        self,
        session: Session,
        procedure_ids: list[int],
        now: datetime,
        plan: TimelinePlan,
        report: RoundReport,
    ) -> None:
        # The hot path reads and writes plain rows (Core) rather than ORM objects: the
        # worker handles thousands of texts a second and the ORM's bookkeeping dominated.
        procedures, due = self._lock_due(session, procedure_ids, now)
        if not due:
            return  # re-planned, cancelled or taken over since the claim
        facts = _ChunkFacts.load(session, procedures, list(due))
        templates = DbTemplates(session)
        texts: list[_Text] = []
        settled: list[_Due] = []
        for procedure_id, reminders in due.items():
            procedure = facts.procedures[procedure_id]
            patient = facts.patients[procedure.patient_id]
            fresh = self._still_to_send(reminders, patient, facts, plan, now, report)
            settled.extend(r for r in reminders if r not in fresh)
            if not fresh:
                continue
            try:
                composed = compose(
                    [r.step for r in fresh],
                    self._facts(patient, procedure, plan, facts),
                    patient.language,
                    templates=templates,
                )
            except Exception as exc:  # one text that cannot be written must not hold up
                # the others of the chunk: it is retried like a failed send.
                log.exception("text could not be prepared procedure_id=%s", procedure_id)
                fault = SendFailed(
                    f"the text could not be prepared ({type(exc).__name__})",
                    retryable=True,
                    code="compose",
                )
                self._retry_or_fail(fresh, fault, now, report)
                settled.extend(fresh)
                continue
            texts.append(
                _Text(
                    procedure_id=procedure_id,
                    patient_id=patient.id,
                    phone=patient.phone,
                    body=composed.body,
                    steps=",".join(r.step for r in fresh),
                    language=composed.language,
                    template_versions=composed.template_versions,
                    reminders=fresh,
                )
            )
        if texts:
            callback = self.status_callback_url
            outcomes = self._send_all([OutgoingText(t.phone, t.body, callback) for t in texts])
            for text, outcome in zip(texts, outcomes, strict=True):
                if isinstance(outcome, SendFailed):
                    self._record_failure(session, text, outcome, now, report)
                else:
                    _record_sent(text, outcome, now)
                    report.sent += 1
            # Written with their outcome in the same transaction as the reminders: a crash
            # before the commit leaves no trace, and the reminders are sent again.
            ids = _insert_messages(session, [t.row(self.gateway.name, now) for t in texts])
            for text, message_id in zip(texts, ids, strict=True):
                for reminder in text.reminders:
                    reminder.message_id = message_id
                settled.extend(text.reminders)
                self._log_outcome(text, message_id)
        if settled:
            session.execute(update(Reminder), [r.row(now) for r in settled])

    def _lock_due(
        self, session: Session, procedure_ids: list[int], now: datetime
    ) -> tuple[dict[int, Row[Any]], dict[int, list["_Due"]]]:
        """Lock the chunk's procedures, then their due reminders this worker may send."""
        # Procedures first, in id order: a reschedule or cancel holds its procedure's lock
        # while it re-plans, so a send waits for it (then finds its claims released) or it
        # waits for the send and re-plans from what was really sent. Id order keeps two
        # workers from deadlocking.
        procedures = {
            row.id: row
            for row in session.execute(
                select_rows(
                    col(Procedure.id), col(Procedure.patient_id), col(Procedure.scheduled_at)
                )
                .where(_among(session, col(Procedure.id), procedure_ids))
                .order_by(col(Procedure.id))
                .with_for_update()
            )
        }
        pending = and_(
            _among(session, col(Reminder.procedure_id), procedure_ids),
            col(Reminder.status) == ReminderStatus.pending,
        )
        # Our own claims: wait for them. (SKIP LOCKED could miss one that another worker's
        # claim query holds for an instant while it rechecks it, stranding it until the
        # lease ends.)
        mine = session.execute(
            select_rows(*_DUE_COLUMNS)
            .where(pending, col(Reminder.claimed_by) == self.worker_id)
            .order_by(col(Reminder.id))
            .with_for_update()
        ).all()
        # Unclaimed siblings due now join the same text, if nobody else holds them.
        siblings = session.execute(
            select_rows(*_DUE_COLUMNS)
            .where(
                pending,
                col(Reminder.next_attempt_at) <= now,
                or_(col(Reminder.claimed_until).is_(None), col(Reminder.claimed_until) < now),
            )
            .with_for_update(skip_locked=True)
        ).all()
        rows = {
            row.id: row
            for row in [*mine, *siblings]
            if row.next_attempt_at is not None and row.next_attempt_at <= now
        }
        due: dict[int, list[_Due]] = {}
        for row in sorted(rows.values(), key=lambda r: (r.due_at, r.id)):
            due.setdefault(row.procedure_id, []).append(_Due.from_row(row))
        # A procedure none of whose reminders this worker claimed belongs to someone else.
        mine_only = {
            procedure_id: group
            for procedure_id, group in due.items()
            if any(r.claimed_by == self.worker_id for r in group)
        }
        return procedures, mine_only

    def _still_to_send(
        self,
        reminders: list["_Due"],
        patient: Row[Any],
        facts: "_ChunkFacts",
        plan: TimelinePlan,
        now: datetime,
        report: RoundReport,
    ) -> list["_Due"]:
        """The reminders that should go out now; the rest are skipped or deferred."""
        opted_out = facts.opt_outs.get(patient.phone)
        if opted_out is not None:
            # Read after the locks: a STOP committed before this point is seen here.
            for reminder in reminders:
                reminder.finish(ReminderStatus.skipped, skip_reason(opted_out))
                report.skipped += 1
            log.info("texts not sent to=%s: the number opted out", mask_phone(patient.phone))
            return []
        fresh = []
        for reminder in reminders:
            if now > reminder.useful_until:
                reminder.finish(
                    ReminderStatus.skipped, "it could not be sent before it stopped being useful"
                )
                report.skipped += 1
            else:
                fresh.append(reminder)
        zone = ZoneInfo(patient.timezone)
        if fresh and not _inside_window(plan, now, zone):
            opening = first_sendable_instant(plan, now, zone)
            for reminder in fresh:
                if opening > reminder.useful_until:
                    reminder.finish(
                        ReminderStatus.skipped,
                        "outside the sending window until it stopped being useful",
                    )
                    report.skipped += 1
                else:
                    reminder.release(opening)
                    report.deferred += 1
            return []
        return fresh

    def _send_all(self, texts: list[OutgoingText]) -> list[Accepted | SendFailed]:
        """Hand every text to the gateway, several at once where the database allows."""
        if len(texts) == 1 or self.concurrency == 1:
            return [self._send_one(text) for text in texts]
        return list(self._pool().map(self._send_one, texts))

    def _send_one(self, text: OutgoingText) -> Accepted | SendFailed:
        try:
            return self.gateway.send(text)
        except SendFailed as failure:
            return failure
        except Exception as exc:  # an unexpected gateway fault is a passing fault
            return SendFailed(f"{type(exc).__name__}: {exc}", retryable=True, code="error")

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="send")
        return self._executor

    def close(self) -> None:
        """Stop the sending threads (the worker calls this on its way out)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _facts(
        self, patient: Row[Any], procedure: Row[Any], plan: TimelinePlan, facts: "_ChunkFacts"
    ) -> TextFacts:
        return TextFacts(
            given_name=patient.given_name,
            family_name=patient.family_name,
            clinic_name=self.settings.clinic_name,
            clinic_phone=self.settings.clinic_phone,
            zone=ZoneInfo(patient.timezone),
            procedure_starts_at=procedure.scheduled_at,
            plan=plan,
            visits=facts.visits.get(procedure.id, {}),
            include_fasting=procedure.id in facts.told_fasting,
        )

    def _record_failure(
        self,
        session: Session,
        text: "_Text",
        failure: SendFailed,
        now: datetime,
        report: RoundReport,
    ) -> None:
        text.status = MessageStatus.failed
        text.error_code = failure.code
        text.error_message = failure.message[:500]
        if failure.opted_out:
            # Twilio 21610: the patient texted STOP at the carrier. Never retried; the
            # number's later reminders are skipped when they come due.
            record_opt_out(session, text.phone, CARRIER_OPT_OUT_KEYWORD, now)
            attempts = max(r.attempts for r in text.reminders) + 1
            for reminder in text.reminders:
                reminder.attempts = attempts
                reminder.finish(ReminderStatus.skipped, CARRIER_REPORTS_STOP)
            report.skipped += 1
            return
        self._retry_or_fail(text.reminders, failure, now, report)

    def _retry_or_fail(
        self, reminders: list["_Due"], failure: SendFailed, now: datetime, report: RoundReport
    ) -> None:
        """Back off and try again later, or give up with the reason once tries run out."""
        attempts = max(r.attempts for r in reminders) + int(failure.spends_attempt)
        for reminder in reminders:
            reminder.attempts = attempts
        give_up = not failure.retryable or attempts >= self.settings.send_max_attempts
        reason = f"{failure.code + ': ' if failure.code else ''}{failure.message}"[:400]
        for reminder in reminders:
            if give_up:
                reminder.finish(
                    ReminderStatus.failed, f"not sent after {attempts} attempt(s): {reason}"
                )
            elif not failure.spends_attempt:
                reminder.status_reason = f"not sent ({reason}); waiting for the clinic's set-up"
                reminder.release(now + self._backoff(max(attempts, 1), failure))
            else:
                reminder.status_reason = f"attempt {attempts} failed ({reason}); will retry"
                reminder.release(now + self._backoff(attempts, failure))
        if give_up:
            report.failed += 1
        else:
            report.retried += 1

    def _log_outcome(self, text: "_Text", message_id: int) -> None:
        attempts = max(r.attempts for r in text.reminders)
        if text.status != MessageStatus.failed:
            log.info(
                "text sent message_id=%s procedure_id=%s steps=%s to=%s gateway=%s attempts=%s",
                message_id,
                text.procedure_id,
                text.steps,
                mask_phone(text.phone),
                self.gateway.name,
                attempts,
            )
        elif text.reminders[0].status == ReminderStatus.skipped:
            log.info(
                "text not sent message_id=%s to=%s: the carrier reports an opt-out",
                message_id,
                mask_phone(text.phone),
            )
        else:
            log.warning(
                "text not sent message_id=%s to=%s code=%s retry=%s attempts=%s",
                message_id,
                mask_phone(text.phone),
                text.error_code,
                text.reminders[0].status == ReminderStatus.pending,
                attempts,
            )

    def _backoff(self, attempts: int, failure: SendFailed) -> timedelta:
        return retry_delay(
            self.settings,
            attempts,
            retry_after_seconds=failure.retry_after_seconds,
            jitter=self.rng.uniform,
        )


_DUE_COLUMNS = (
    col(Reminder.id),
    col(Reminder.procedure_id),
    col(Reminder.step),
    col(Reminder.due_at),
    col(Reminder.useful_until),
    col(Reminder.attempts),
    col(Reminder.next_attempt_at),
    col(Reminder.claimed_by),
    col(Reminder.message_id),
)


@dataclass(slots=True, eq=False)
class _Due:
    """A locked reminder of the chunk and what becomes of it."""

    id: int
    procedure_id: int
    step: str
    due_at: datetime
    useful_until: datetime
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None
    message_id: int | None
    status: str = ReminderStatus.pending
    status_reason: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> "_Due":
        return cls(**row._mapping)

    def finish(self, status: str, reason: str | None) -> None:
        self.status = status
        self.status_reason = reason
        self.next_attempt_at = None

    def release(self, next_attempt_at: datetime) -> None:
        self.next_attempt_at = next_attempt_at

    def row(self, now: datetime) -> dict[str, Any]:
        # Every outcome also ends this worker's claim.
        return {
            "id": self.id,
            "status": self.status,
            "status_reason": self.status_reason,
            "attempts": self.attempts,
            "message_id": self.message_id,
            "next_attempt_at": self.next_attempt_at,
            "claimed_by": None,
            "claimed_until": None,
            "updated_at": now,
        }


@dataclass(slots=True, eq=False)
class _Text:
    """One outgoing text of the chunk: the reminders it covers and how its send went."""

    procedure_id: int
    patient_id: int
    phone: str
    body: str
    steps: str
    language: str
    template_versions: str | None
    reminders: list[_Due]
    status: str = MessageStatus.sending
    provider_message_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    sent_at: datetime | None = None

    def row(self, gateway: str, now: datetime) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "procedure_id": self.procedure_id,
            "direction": Direction.outbound,
            "phone": self.phone,
            "body": self.body,
            "steps": self.steps,
            "language": self.language,
            "template_versions": self.template_versions,
            "status": self.status,
            "gateway": gateway,
            "provider_message_id": self.provider_message_id,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "urgent": False,
            "created_at": now,
            "sent_at": self.sent_at,
            "updated_at": now,
        }


def _record_sent(text: _Text, accepted: Accepted, now: datetime) -> None:
    text.status = accepted.status
    text.provider_message_id = accepted.provider_message_id
    text.sent_at = now
    for reminder in text.reminders:
        reminder.attempts += 1
        reminder.finish(ReminderStatus.sent, None)


@dataclass
class _ChunkFacts:
    """What a chunk's texts need, read in a handful of queries instead of per text."""

    procedures: dict[int, Row[Any]]
    patients: dict[int, Row[Any]]
    opt_outs: dict[str, PhoneOptOut]
    told_fasting: set[int]
    visits: dict[int, dict[str, datetime]]

    @classmethod
    def load(
        cls, session: Session, procedures: dict[int, Row[Any]], procedure_ids: list[int]
    ) -> "_ChunkFacts":
        patients = {
            row.id: row
            for row in session.execute(
                select_rows(
                    col(Patient.id),
                    col(Patient.given_name),
                    col(Patient.family_name),
                    col(Patient.phone),
                    col(Patient.timezone),
                    col(Patient.language),
                ).where(
                    _among(session, col(Patient.id), [p.patient_id for p in procedures.values()])
                )
            )
        }
        opt_outs = {
            o.phone: o
            for o in session.exec(
                select(PhoneOptOut).where(
                    _among(session, col(PhoneOptOut.phone), [p.phone for p in patients.values()]),
                    col(PhoneOptOut.opted_out).is_(True),
                )
            )
        }
        # A correction repeats the fasting time only if the patient was told one.
        told_fasting = set(
            session.execute(
                select(Reminder.procedure_id).where(
                    _among(session, col(Reminder.procedure_id), procedure_ids),
                    Reminder.status == ReminderStatus.sent,
                    col(Reminder.step).in_(("fasting", CORRECTION_STEP)),
                )
            ).scalars()
        )
        visits: dict[int, dict[str, datetime]] = {}
        for appointment in session.execute(
            select(Appointment.procedure_id, Appointment.kind, Appointment.starts_at).where(
                _among(session, col(Appointment.procedure_id), procedure_ids),
                Appointment.status == AppointmentStatus.booked,
            )
        ):
            visits.setdefault(appointment.procedure_id, {})[visit_step_name(appointment.kind)] = (
                appointment.starts_at
            )
        return cls(procedures, patients, opt_outs, told_fasting, visits)


def _among(session: Session, column: Any, values: list[Any]) -> Any:
    """`column IN values`; on PostgreSQL as `= ANY(array)`, one statement whatever the count,
    which the driver prepares once instead of parsing a new IN list for every chunk."""
    if not values:
        return false()
    if session.get_bind().dialect.name == "postgresql":
        item = Integer() if isinstance(values[0], int) else String()
        return column == any_(bindparam(None, values, type_=ARRAY(item)))
    return column.in_(values)


NEXT_MESSAGE_IDS = (
    "SELECT nextval(pg_get_serial_sequence('message', 'id')) FROM generate_series(1, :n)"
)


def _insert_messages(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the chunk's messages; their ids, in order."""
    if session.get_bind().dialect.name != "postgresql":
        return list(
            session.execute(
                insert(Message).returning(col(Message.id), sort_by_parameter_order=True), rows
            ).scalars()
        )
    # On PostgreSQL, take the ids from the sequence first and insert with a plain
    # executemany: a short statement the driver prepares once, instead of one long
    # multi-row INSERT ... RETURNING it must parse afresh for every chunk.
    ids = list(
        session.execute(
            sql(NEXT_MESSAGE_IDS),
            {"n": len(rows)},
        ).scalars()
    )
    session.execute(
        insert(Message), [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)]
    )
    return ids


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


def release_claims(engine: Engine, worker_id: str, procedure_ids: list[int] | None = None) -> int:
    """Give back the pending reminders `worker_id` claimed but did not send."""
    statement = (
        update(Reminder)
        .where(
            col(Reminder.claimed_by) == worker_id,
            col(Reminder.status) == ReminderStatus.pending,
        )
        .values(claimed_by=None, claimed_until=None)
    )
    if procedure_ids is not None:
        statement = statement.where(col(Reminder.procedure_id).in_(procedure_ids))
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
