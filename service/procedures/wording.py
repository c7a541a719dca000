"""The words a procedure's pending texts will carry, composed as the worker composes them.

Reminders due at the same instant go out as one text; this groups them the same way and
renders with the same facts `service.delivery` uses (the patient, the clinic, booked
visits, whether a fasting time was already told, the day it goes out), so what staff read
before a change, on a timeline (`text` on each reminder of `GET /v1/procedures/{id}`, the
console), or in the transcript tests is what the patient would get if it were sent now.
One implementation for all of them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.audit.reads import Read, Reader, record_read
from service.config import Settings
from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.new_reminders import InsertedReminder
from service.procedures.service import load_procedure
from service.templates.compose import ComposedText, TextFacts, compose
from service.templates.fitting import texts_of_slot
from service.templates.pieces import NEXT_PART_AFTER
from service.templates.preview import ProcedureSample
from service.templates.reading_order import split_part
from service.templates.store import DbTemplates
from service.timeline.active import active_plan
from service.timeline.local_time import local_date
from service.timeline.plan import CORRECTION_STEP, TimelinePlan, visit_step_name


@dataclass(frozen=True)
class SlotText:
    """One text: the reminders due together and the words they make."""

    due_at: datetime
    steps: tuple[str, ...]
    reminder_ids: tuple[int, ...]
    text: ComposedText
    # What it costs: SMS segments in its real encoding (UCS-2 once any letter needs it).
    segments: int = 1


def text_facts(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
    reminders: Iterable[Reminder | InsertedReminder],
    visits: Sequence[Appointment] | None = None,
) -> TextFacts:
    """What a text of this procedure may mention, read as the worker reads it; `visits`
    are its booked visits when the caller knows them (none: a procedure just booked)."""
    if visits is None:
        visits = session.exec(
            select(Appointment).where(
                Appointment.procedure_id == procedure.id,
                Appointment.status == AppointmentStatus.booked,
            )
        ).all()
    return TextFacts(
        given_name=patient.given_name,
        family_name=patient.family_name,
        clinic_name=settings.clinic_name,
        clinic_phone=settings.clinic_phone,
        clinic_after_hours_phone=settings.clinic_after_hours_phone,
        zone=ZoneInfo(patient.timezone),
        procedure_starts_at=procedure.scheduled_at,
        plan=plan,
        visits={visit_step_name(v.kind): v.starts_at for v in visits},
        # A correction repeats the fasting time only if the patient was told one.
        include_fasting=any(
            r.status == ReminderStatus.sent and r.step in ("fasting", CORRECTION_STEP)
            for r in reminders
        ),
    )


def preview_sample(
    session: Session, settings: Settings, procedure_id: int, reader: Reader, now: datetime
) -> ProcedureSample:
    """A procedure's patient and times for a template preview (404 naming `procedure_id`);
    the preview shows the patient's name and dates, so the look is audited."""
    procedure, patient = load_procedure(session, procedure_id)
    record_read(
        session, reader, Read.preview, at=now, entity_id=procedure_id, patient_id=patient.id
    )
    facts = TextFacts(
        given_name=patient.given_name,
        family_name=patient.family_name,
        clinic_name=settings.clinic_name,
        clinic_phone=settings.clinic_phone,
        clinic_after_hours_phone=settings.clinic_after_hours_phone,
        zone=ZoneInfo(patient.timezone),
        procedure_starts_at=procedure.scheduled_at,
        plan=active_plan(settings, session),
        visits={},
        include_fasting=True,
    )
    return ProcedureSample(facts=facts, language=patient.language)


def pending_texts(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
    reminders: Sequence[Reminder | InsertedReminder],
    templates: DbTemplates | None = None,
    visits: Sequence[Appointment] | None = None,
) -> list[SlotText]:
    """Each pending text of the procedure, in due order, worded as it would go out now."""
    facts = text_facts(session, procedure, patient, plan, settings, reminders, visits)
    source = templates or DbTemplates(session)
    slots: dict[datetime, list[Reminder | InsertedReminder]] = {}
    for reminder in sorted(reminders, key=lambda r: (r.due_at, r.id or 0)):
        if reminder.status == ReminderStatus.pending:
            # A retry waits for its next attempt: it goes out then, with that day's words.
            slots.setdefault(reminder.next_attempt_at or reminder.due_at, []).append(reminder)
    texts = []
    for due_at, members in slots.items():
        # Each day's text is written for that day (e.g. which day of ice it is), and
        # split as the worker splits it to stay within SMS_MAX_SEGMENTS.
        fitted = texts_of_slot(
            [r.step for r in members],
            replace(facts, sending_on=local_date(due_at, facts.zone)),
            patient.language,
            settings.sms_max_segments,
            templates=source,
        )
        for index, text in enumerate(fitted):
            # A step cut to fit goes on as "<step>~<n>"; until the worker writes that part's
            # own reminder, the part is the step's reminder's.
            bases = {split_part(step)[0] for step in text.steps}
            own = tuple(r.id or 0 for r in members if r.step in text.steps)
            texts.append(
                SlotText(
                    due_at=due_at + index * NEXT_PART_AFTER,
                    steps=text.steps,
                    reminder_ids=own or tuple(r.id or 0 for r in members if r.step in bases),
                    text=text.text,
                    segments=text.segments,
                )
            )
    return texts


def compose_steps(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
    steps: Sequence[str],
) -> ComposedText:
    """One text of `steps` for this procedure as it stands in the session (e.g. a
    correction after a move), worded as the worker would word it."""
    reminders = session.exec(
        select(Reminder).where(Reminder.procedure_id == procedure.id).order_by(col(Reminder.id))
    )
    facts = text_facts(session, procedure, patient, plan, settings, list(reminders))
    return compose(steps, facts, patient.language, templates=DbTemplates(session))


def reminder_texts(
    session: Session,
    settings: Settings,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    *,
    reminders: Sequence[Reminder | InsertedReminder] | None = None,
    visits: Sequence[Appointment] | None = None,
) -> tuple[dict[int, SlotText | None], list[SlotText]]:
    """Every reminder of the procedure with the text it would be sent with now (None: it
    will not be sent), and every text still to go out, continuations of cut steps too.
    `reminders` and `visits` when the caller holds them (a booking just made): each
    text is then composed once, from what was inserted, without reading it back."""
    if reminders is None:
        session.flush()
        stored = session.exec(
            select(Reminder)
            .where(Reminder.procedure_id == procedure.id)
            .order_by(col(Reminder.due_at), col(Reminder.id))
        )
        reminders = list(stored)
    texts: dict[int, SlotText | None] = {r.id or 0: None for r in reminders}
    slots = pending_texts(session, procedure, patient, plan, settings, reminders, visits=visits)
    for slot in slots:
        for reminder_id in slot.reminder_ids:
            if texts.get(reminder_id) is None:  # a cut step shows its first text
                texts[reminder_id] = slot
    return texts, slots
