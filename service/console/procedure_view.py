"""A procedure's timeline as staff read it: one line per text the patient gets, with its
exact words (sent texts as they went out, pending ones as they would go out now)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.config import Settings
from service.console.today_view import step_label
from service.messaging.repository import messages_by_id
from service.patients.models import Patient
from service.patients.phone import national_format
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.reconcile import reminders_of
from service.procedures.wording import pending_texts
from service.templates.compose import language_for, local_date_text, local_time_text
from service.timeline.plan import TimelinePlan

VISIT_KINDS = [
    ("wound_check", "Wound check"),
    ("two_week", "2-week follow-up"),
    ("three_month", "3-month follow-up"),
]


@dataclass(frozen=True)
class TimelineText:
    at: datetime
    label: str
    status: str
    reason: str | None
    # What the patient reads: the sent text, or the pending one worded as it would go
    # out now; None for texts that will not go out (cancelled, skipped).
    text: str | None
    # SMS segments of a pending text (sent texts show what went out).
    segments: int | None = None


def timeline(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
) -> list[TimelineText]:
    """Every text of the procedure in time order; texts due together appear once."""
    assert procedure.id is not None
    reminders = reminders_of(session, procedure.id)
    message_ids = {r.message_id for r in reminders if r.message_id is not None}
    messages = messages_by_id(session, message_ids)
    lines: list[TimelineText] = []
    for slot in pending_texts(session, procedure, patient, plan, settings, reminders):
        lines.append(
            TimelineText(
                slot.due_at, _label(slot.steps), "pending", None, slot.text.body, slot.segments
            )
        )
    groups: dict[tuple[object, ...], list[Reminder]] = {}
    for reminder in reminders:
        if reminder.status == ReminderStatus.pending:
            continue
        key = (
            ("message", reminder.message_id)
            if reminder.message_id is not None
            else ("due", reminder.due_at, reminder.status, reminder.status_reason)
        )
        groups.setdefault(key, []).append(reminder)
    for members in groups.values():
        first = members[0]
        message = messages.get(first.message_id) if first.message_id is not None else None
        at = (message.sent_at or message.created_at) if message is not None else first.due_at
        lines.append(
            TimelineText(
                at,
                _label(tuple(r.step for r in members)),
                first.status,
                first.status_reason,
                message.body if message is not None else None,
            )
        )
    lines.sort(key=lambda line: line.at)
    return lines


def _label(steps: tuple[str, ...]) -> str:
    return step_label(",".join(dict.fromkeys(steps)))


# --- the printable list, in the patient's language --------------------------------------

# The stop word is the one the texts themselves teach (the opt-out line of each
# language), and the times end no sentence: "a las 8:00 a.m.." would print otherwise.
PRINT_WORDS = {
    "en": {
        "title": "Your text messages",
        "intro": "{clinic} will text you at {phone} about your MILD procedure ({date}, "
        "{time}). These are the texts and when they arrive ({zone}). Reply STOP at any "
        "time to stop them.",
        "zone": "{city} time",
        "when": "When",
        "text": "Text",
        "call": "Questions? Call {clinic_phone}.",
        "back": "Back to the procedure",
        "print": "Use your browser's Print command to print this page.",
    },
    "es": {
        "title": "Sus mensajes de texto",
        "intro": "{clinic} le enviará mensajes al {phone} sobre su procedimiento MILD "
        "({date}, {time}). Estos son los mensajes y cuándo llegan ({zone}). Responda "
        "ALTO en cualquier momento para dejar de recibirlos.",
        "zone": "hora de {city}",
        "when": "Cuándo",
        "text": "Mensaje",
        "call": "¿Preguntas? Llame al {clinic_phone}.",
        "back": "Volver al procedimiento",
        "print": "Use la opción Imprimir del navegador para imprimir esta página.",
    },
}


@dataclass(frozen=True)
class PrintedText:
    date: str
    time: str
    text: str


def printable(
    lines: list[TimelineText], procedure: Procedure, patient: Patient, settings: Settings
) -> dict[str, object]:
    """What the printed page says, dated and timed the way the texts write them."""
    language = language_for(patient.language)
    zone = ZoneInfo(patient.timezone)
    words = PRINT_WORDS.get(language, PRINT_WORDS["en"])
    start = procedure.scheduled_at.astimezone(zone)
    facts = {
        "clinic": settings.clinic_name,
        "clinic_phone": settings.clinic_phone,
        "phone": national_format(patient.phone, settings.clinic_phone_region),
        "date": local_date_text(start, language),
        "time": local_time_text(start, language),
        "zone": words["zone"].format(city=_city(patient.timezone)),
    }
    texts = [
        PrintedText(
            local_date_text(line.at.astimezone(zone), language),
            local_time_text(line.at.astimezone(zone), language),
            line.text or "",
        )
        for line in lines
        if line.status == "pending" and line.text
    ]
    return {
        "language": language,
        "title": words["title"],
        "intro": words["intro"].format(**facts),
        "when": words["when"],
        "text_heading": words["text"],
        "call": words["call"].format(**facts),
        "back": words["back"],
        "print": words["print"],
        "texts": texts,
    }


def _city(zone: str) -> str:
    """'America/Los_Angeles' -> 'Los Angeles' (a zone's city, as people say it)."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")
