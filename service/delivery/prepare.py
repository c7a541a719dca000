"""Prepare: under short row locks, decide what each claimed procedure's text says (opt-out,
usefulness, sending window, templates) and open its attempt.

The attempt is the message row, written as `sending` and committed before the provider
is called: its id goes into the status-callback URL, and a worker that takes over an
expired lease finds it and asks the provider before sending again (takeover.py).
The transaction ends before any text is sent, so no row lock is held across a send.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, update
from sqlmodel import Session

from service.config import Settings
from service.messaging.masking import mask_phone
from service.messaging.models import Direction, MessageStatus
from service.optouts.models import PhoneOptOut
from service.optouts.service import skip_reason
from service.procedures.consent_request import WAITING_FOR_YES
from service.procedures.models import Reminder, ReminderStatus
from service.templates.fitting import compose_within
from service.templates.store import ActiveTemplates
from service.timeline.plan import CONSENT_REQUEST_STEP, TimelinePlan, is_question_step
from service.timeline.planner import first_sendable_instant

from .attempts import POINT_AT_ATTEMPT, insert_messages, open_attempts_at_once
from .check_in_questions import hold_questions
from .chunk import Due, RoundReport, Text
from .claim import core
from .continuation import NEXT_PART_AFTER, continue_later
from .facts import ChunkFacts, inside_window
from .gateway import SendFailed
from .locks import lock_statements
from .record import Outcomes

log = logging.getLogger("reminders.dispatch")


@dataclass(frozen=True)
class SendingCheck:
    """Whether a text may go to a number now: the one place both a scheduled reminder
    (below) and a staff member's one-off text (service/delivery/one_off.py) ask."""

    opted_out: PhoneOptOut | None  # the number's STOP, if it stands
    inside_window: bool  # within the patient's sending hours (with the grace)
    opens_at: datetime  # the next instant a text may be due (`now` inside the window)


def check_sending(
    opt_out: PhoneOptOut | None, plan: TimelinePlan, now: datetime, zone: ZoneInfo
) -> SendingCheck:
    inside = inside_window(plan, now, zone)
    return SendingCheck(
        opted_out=opt_out if opt_out is not None and opt_out.opted_out else None,
        inside_window=inside,
        opens_at=now if inside else first_sendable_instant(plan, now, zone),
    )


class Preparer:
    def __init__(
        self, settings: Settings, worker_id: str, gateway_name: str, outcomes: Outcomes
    ) -> None:
        self.settings = settings
        self.worker_id = worker_id
        self.gateway_name = gateway_name
        self.outcomes = outcomes

    def prepare(
        self,
        session: Session,
        procedure_ids: list[int],
        now: datetime,
        plan: TimelinePlan,
        report: RoundReport,
        templates: ActiveTemplates | None = None,
    ) -> list[Text]:
        """The chunk's texts, each with its attempt written; settles what is not sent.

        `templates`: the round's snapshot of the active templates (read here if None)."""
        # The hot path reads and writes plain rows (Core) rather than ORM objects: the
        # worker handles thousands of texts a second and the ORM's bookkeeping dominated.
        procedures, due = self._lock_due(session, procedure_ids, now)
        if not due:
            return []  # re-planned, cancelled or taken over since the claim
        facts = ChunkFacts.load(session, procedures, list(due))
        if templates is None:
            templates = ActiveTemplates.read(session)
        drafts: list[tuple[dict[str, Any], list[Due]]] = []
        settled: list[Due] = []
        for procedure_id, reminders in due.items():
            procedure = facts.procedures[procedure_id]
            patient = facts.patients[procedure.patient_id]
            fresh = self._still_to_send(reminders, patient, facts, plan, now, report)
            if any(is_question_step(r.step) for r in fresh):
                # A check-in question: its own text, never over an urgent reply.
                fresh = hold_questions(session, patient.id, fresh, plan, now)
            settled.extend(r for r in reminders if r not in fresh)
            if not fresh:
                continue
            try:
                # Within SMS_MAX_SEGMENTS: what does not fit waits a minute (fitting.py).
                first = compose_within(
                    [r.step for r in fresh],
                    facts.text_facts(patient, procedure, plan, self.settings, now),
                    patient.language,
                    self.settings.sms_max_segments,
                    templates=templates,
                )[0]
            except Exception as exc:  # one text that cannot be written must not hold up
                # the others of the chunk: it is retried like a failed send.
                log.exception("text could not be prepared procedure_id=%s", procedure_id)
                fault = SendFailed(
                    f"the text could not be prepared ({type(exc).__name__})",
                    retryable=True,
                    code="compose",
                )
                self.outcomes.retry_or_fail(fresh, fault, now, report)
                settled.extend(fresh)
                continue
            composed = first.text
            held = [r for r in fresh if r.step not in first.steps]
            for reminder in held:
                reminder.release(now + NEXT_PART_AFTER)
                report.count("deferred")
            settled.extend(held)
            fresh = [r for r in fresh if r.step in first.steps]
            if first.continuation is not None:
                cut = next(r for r in fresh if r.step == first.steps[-1])
                continue_later(session, cut, patient.id, first.continuation, now)
            message = {
                "patient_id": patient.id,
                "procedure_id": procedure_id,
                "direction": Direction.outbound,
                "phone": patient.phone,
                "body": composed.body,
                "steps": ",".join(r.step for r in fresh),
                "language": composed.language,
                "template_versions": composed.template_versions,
                "status": MessageStatus.sending,
                "gateway": self.gateway_name,
                "provider_message_id": None,
                "error_code": None,
                "error_message": None,
                "urgent": False,
                "created_at": now,
                "sent_at": None,
                "updated_at": now,
            }
            drafts.append((message, fresh))
        if settled:
            session.execute(update(Reminder), [r.row(now) for r in settled])
        if not drafts:
            return []
        lease = now + timedelta(seconds=self.settings.claim_lease_seconds)
        if session.get_bind().dialect.name == "postgresql":
            ids = open_attempts_at_once(session, drafts, self.worker_id, lease, now)
        else:
            ids = insert_messages(session, [m for m, _ in drafts])
            # The lease is renewed with the attempt: it must outlast the send.
            session.execute(
                POINT_AT_ATTEMPT,
                [
                    {
                        "r_id": reminder.id,
                        "r_message_id": message_id,
                        "r_worker": self.worker_id,
                        "r_lease": lease,
                        "r_at": now,
                    }
                    for (_, reminders), message_id in zip(drafts, ids, strict=True)
                    for reminder in reminders
                ],
            )
        texts = []
        for (message, reminders), message_id in zip(drafts, ids, strict=True):
            for reminder in reminders:
                reminder.message_id = message_id
            texts.append(
                Text(
                    message_id=message_id,
                    procedure_id=message["procedure_id"],
                    phone=message["phone"],
                    body=message["body"],
                    steps=message["steps"],
                    reminders=reminders,
                    prepared_at=now,
                    report=report,
                )
            )
        return texts

    def _lock_due(
        self, session: Session, procedure_ids: list[int], now: datetime
    ) -> tuple[dict[int, Row[Any]], dict[int, list[Due]]]:
        """Lock the chunk's procedures, then their due reminders this worker may send."""
        # Procedures first, in id order: a reschedule or cancel holds its procedure's lock
        # while it re-plans, so this waits for it (then finds its claims released) or it
        # waits for this short transaction. Id order keeps two workers from deadlocking.
        lock = lock_statements(session.get_bind().dialect.name)
        params = {"ids": lock.ids(procedure_ids), "worker": self.worker_id, "now": now}
        procedures = {row.id: row for row in core(session, lock.procedures, params).all()}
        mine = core(session, lock.mine, params).all()
        siblings = core(session, lock.siblings, params).all()
        rows = {
            row.id: row
            for row in [*mine, *siblings]
            if row.next_attempt_at is not None and row.next_attempt_at <= now
        }
        due: dict[int, list[Due]] = {}
        for row in sorted(rows.values(), key=lambda r: (r.due_at, r.id)):
            due.setdefault(row.procedure_id, []).append(Due.from_row(row))
        # A procedure none of whose reminders this worker claimed belongs to someone else.
        mine_only = {
            procedure_id: group
            for procedure_id, group in due.items()
            if any(r.claimed_by == self.worker_id for r in group)
        }
        return procedures, mine_only

    def _still_to_send(
        self,
        reminders: list[Due],
        patient: Row[Any],
        facts: ChunkFacts,
        plan: TimelinePlan,
        now: datetime,
        report: RoundReport,
    ) -> list[Due]:
        """The reminders that should go out now; the rest are skipped or deferred."""
        zone = ZoneInfo(patient.timezone)
        # Opt-outs read after the locks: a STOP committed before this point is seen here.
        check = check_sending(facts.opt_outs.get(patient.phone), plan, now, zone)
        if check.opted_out is not None:
            for reminder in reminders:
                reminder.finish(ReminderStatus.skipped, skip_reason(check.opted_out))
                report.count("skipped")
            log.info("texts not sent to=%s: the number opted out", mask_phone(patient.phone))
            return []
        fresh = []
        for reminder in reminders:
            asking = reminder.step == CONSENT_REQUEST_STEP
            if patient.awaiting_yes_since is not None and not asking:
                # INTAKE_SMS_CONSENT=ask: nothing but the question until the patient's
                # YES, which brings back what can still help (awaiting_yes.py).
                reminder.finish(ReminderStatus.skipped, WAITING_FOR_YES)
                report.count("skipped")
            elif asking and patient.awaiting_yes_since is None:
                reminder.finish(ReminderStatus.skipped, "the patient already answered YES")
                report.count("skipped")
            elif now > reminder.useful_until:
                reminder.finish(
                    ReminderStatus.skipped, "it could not be sent before it stopped being useful"
                )
                report.count("skipped")
            else:
                fresh.append(reminder)
        if fresh and not check.inside_window:
            opening = check.opens_at
            for reminder in fresh:
                if opening > reminder.useful_until:
                    reminder.finish(
                        ReminderStatus.skipped,
                        "outside the sending window until it stopped being useful",
                    )
                    report.count("skipped")
                else:
                    reminder.release(opening)
                    report.count("deferred")
            return []
        return fresh
