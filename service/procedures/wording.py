"""What each pending reminder will say: the exact merged text of its slot, as sent now.

One implementation for the API (`text` on each reminder of `GET /v1/procedures/{id}`),
the console and the transcript tests. It builds the same facts the worker builds when
sending (the clinic's settings, booked visits, whether a fasting time was already told)
and renders with the active templates; a reminder that will not be sent has no text.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.config import Settings
from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.templates.compose import TextFacts, compose
from service.templates.source import TemplateSource
from service.templates.store import DbTemplates
from service.timeline.local_time import local_date
from service.timeline.plan import CORRECTION_STEP, TimelinePlan, visit_step_name


def text_facts(
    session: Session,
    settings: Settings,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    reminders: Sequence[Reminder],
) -> TextFacts:
    """The facts a text of this procedure is written from, as the worker gathers them."""
    visits = {
        visit_step_name(a.kind): a.starts_at
        for a in session.exec(
            select(Appointment).where(
                Appointment.procedure_id == procedure.id,
                Appointment.status == AppointmentStatus.booked,
            )
        )
    }
    told_fasting = any(
        r.status == ReminderStatus.sent and r.step in ("fasting", CORRECTION_STEP)
        for r in reminders
    )
    return TextFacts(
        given_name=patient.given_name,
        family_name=patient.family_name,
        clinic_name=settings.clinic_name,
        clinic_phone=settings.clinic_phone,
        zone=ZoneInfo(patient.timezone),
        procedure_starts_at=procedure.scheduled_at,
        plan=plan,
        visits=visits,
        include_fasting=told_fasting,
    )


def slot_texts(
    reminders: Sequence[Reminder],
    facts: TextFacts,
    language: str,
    templates: TemplateSource,
) -> dict[int, str | None]:
    """reminder id -> the text its slot would be sent with now (None: it will not be sent).

    Pending reminders due at the same instant go out as one text, as the worker sends
    them; each day's text is written for that day (e.g. which ice day it is).
    """
    slots: dict[datetime, list[Reminder]] = defaultdict(list)
    for reminder in sorted(reminders, key=lambda r: (r.due_at, r.id or 0)):
        if reminder.status == ReminderStatus.pending:
            slots[reminder.next_attempt_at or reminder.due_at].append(reminder)
    texts: dict[int, str | None] = {r.id or 0: None for r in reminders}
    for due, members in slots.items():
        on_day = TextFacts(**{**facts.__dict__, "sending_on": local_date(due, facts.zone)})
        body = compose([r.step for r in members], on_day, language, templates).body
        for reminder in members:
            texts[reminder.id or 0] = body
    return texts


def reminder_texts(
    session: Session,
    settings: Settings,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
) -> dict[int, str | None]:
    """Every reminder of the procedure with the text it would be sent with now."""
    session.flush()
    reminders = list(
        session.exec(
            select(Reminder)
            .where(Reminder.procedure_id == procedure.id)
            .order_by(col(Reminder.due_at), col(Reminder.id))
        )
    )
    facts = text_facts(session, settings, procedure, patient, plan, reminders)
    return slot_texts(reminders, facts, patient.language, DbTemplates(session))
