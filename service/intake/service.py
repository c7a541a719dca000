"""The ways in (HL7 v2, FHIR, spreadsheets) as use cases over the same domain services as
the API and the console: enroll, book, move, cancel, no-show. No rules of their own:
duplicates, zones, consent, late enrollment and corrections are the domain's.

Every function works in the caller's transaction and raises the domain's errors (each
naming our field: the adapter says where that field is in its own message).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from service.audit.service import Actor
from service.config import Settings
from service.errors import InvalidInput
from service.intake.mapping import Booked
from service.intake.models import ExternalAppointment
from service.intake.people import IncomingPatient
from service.patients.models import Patient
from service.patients.schemas import PatientCreate
from service.patients.search import normalise_mrn
from service.patients.service import enroll_patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.changes import cancel_procedure, record_no_show, reschedule_procedure
from service.procedures.consent_request import ask_for_consent
from service.procedures.models import Procedure, ProcedureStatus
from service.procedures.service import schedule_procedure
from service.procedures.visits import book_visit, cancel_visit, move_visit
from service.timeline.local_time import local_instant
from service.timeline.plan import FollowUpKind, TimelinePlan
from service.writes import insert_row


@dataclass(frozen=True)
class Intake:
    """One message's context: which feed, who to name in the audit, and when."""

    settings: Settings
    plan: TimelinePlan
    feed: str  # hl7, fhir, csv: recorded as the consent's source
    source: str  # the sending system: external appointment ids are unique per source
    actor: Actor  # a feed (HL7) or the API key that called (FHIR)
    now: datetime


@dataclass
class Outcome:
    """What a message did, in words without PHI, and the records it touched."""

    text: str
    patient_id: int | None = None
    procedure_id: int | None = None
    ignored: bool = False
    appointment_id: int | None = None  # the visit, when the change was to one


def feed_instant(value: datetime, settings: Settings) -> datetime:
    """A time sent without an offset is the clinic's wall time."""
    if value.tzinfo is not None:
        return value
    return local_instant(value.date(), value.time(), settings.clinic_zone)


def find_patient(session: Session, mrn: str | None) -> Patient | None:
    """The record with this MRN (a merged-away record's MRN leads to the one it joined)."""
    if not mrn:
        return None
    patient = session.exec(_BY_MRN, params={"mrn": normalise_mrn(mrn)}).first()
    if patient is not None and patient.merged_into_id is not None:
        return session.get(Patient, patient.merged_into_id)
    return patient


def register(session: Session, intake: Intake, person: IncomingPatient) -> tuple[Patient, bool]:
    """The patient with this MRN, or a new one enrolled; True when enrolled now."""
    existing = find_patient(session, person.mrn)
    if existing is not None:
        return existing, False
    patient = enroll_patient(
        session, enrollment_of(person), intake.settings, intake.actor, intake.now,
        feed=intake.feed,
    )  # fmt: skip
    return patient, True


def enrollment_of(person: IncomingPatient) -> PatientCreate:
    """What enrolling this person takes (names as people write them), or InvalidInput."""
    if not person.phone:
        raise InvalidInput("no phone number to text", field="phone")
    written = person.written()
    try:
        return PatientCreate(
            given_name=written.given_name,
            family_name=written.family_name,
            phone=written.phone or "",
            language=written.language,
            mrn=written.mrn,
            birth_date=written.birth_date,
            sms_consent=True,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else None
        raise InvalidInput(f"{where}: {first['msg']}", field=where) from None


def book(
    session: Session,
    intake: Intake,
    patient: Patient,
    kind: Booked,
    external_id: str,
    starts_at: datetime,
) -> Outcome:
    """A booked appointment: the procedure, or a visit after the patient's procedure.
    Booked again (a re-sent S12 with a new control id): moved if its time changed."""
    link = _link(session, intake, external_id)
    if link is not None:
        return move(session, intake, patient, kind, external_id, starts_at)
    when = feed_instant(starts_at, intake.settings)
    if kind is Booked.procedure:
        procedure = schedule_procedure(
            session, patient, when, intake.plan, intake.actor, intake.now
        )
        _remember(session, intake, external_id, kind, procedure.id or 0, None)
        return Outcome(f"booked procedure {procedure.id}", patient.id, procedure.id)
    followed = _procedure_for_visit(session, patient)
    if followed is None:
        return Outcome(
            f"{kind.value} visit not recorded: the patient has no scheduled MILD procedure",
            patient.id,
            ignored=True,
        )
    visit = book_visit(
        session,
        followed,
        patient,
        FollowUpKind(kind.value),
        when,
        intake.plan,
        intake.actor,
        intake.now,
    )
    _remember(session, intake, external_id, kind, followed.id or 0, visit.id)
    return Outcome(
        f"booked {kind.value} visit {visit.id}", patient.id, followed.id, appointment_id=visit.id
    )


def move(
    session: Session,
    intake: Intake,
    patient: Patient,
    kind: Booked,
    external_id: str,
    starts_at: datetime,
) -> Outcome:
    """Rescheduled or modified; an appointment never seen (the feed started mid-stream)
    is booked."""
    link = _link(session, intake, external_id)
    when = feed_instant(starts_at, intake.settings)
    if link is None:
        outcome = book(session, intake, patient, kind, external_id, starts_at)
        outcome.text += " (first seen in a reschedule)"
        return outcome
    procedure = session.get(Procedure, link.procedure_id)
    assert procedure is not None  # a foreign key
    if link.appointment_id is None:
        if procedure.status != ProcedureStatus.scheduled:
            # Cancelled here, booked again in the EHR under the same id: a new procedure.
            session.delete(link)
            session.flush()
            outcome = book(session, intake, patient, kind, external_id, starts_at)
            outcome.text += " (the earlier one was cancelled)"
            return outcome
        was = procedure.scheduled_at
        reschedule_procedure(
            session, procedure, patient, when, intake.plan, intake.actor, intake.now
        )
        text = "unchanged" if procedure.scheduled_at == was else "rescheduled"
        return Outcome(f"procedure {procedure.id} {text}", patient.id, procedure.id)
    visit = session.get(Appointment, link.appointment_id)
    assert visit is not None
    if visit.status != AppointmentStatus.booked:
        return Outcome(
            f"{link.kind} visit {visit.id} was cancelled; not moved",
            patient.id,
            procedure.id,
            ignored=True,
        )
    if visit.starts_at == resolve_visit_time(when):
        text = f"{link.kind} visit {visit.id} unchanged"
    else:
        move_visit(session, visit, procedure, patient, when, intake.plan, intake.actor, intake.now)
        text = f"{link.kind} visit {visit.id} moved"
    return Outcome(text, patient.id, procedure.id, appointment_id=visit.id)


def cancel(session: Session, intake: Intake, external_id: str) -> Outcome:
    """Cancelled or deleted; one never seen is acknowledged with the reason."""
    link = _link(session, intake, external_id)
    if link is None:
        return Outcome("appointment never seen here; nothing to cancel", ignored=True)
    procedure = session.get(Procedure, link.procedure_id)
    assert procedure is not None
    patient = session.get(Patient, procedure.patient_id)
    assert patient is not None
    if link.appointment_id is None:
        cancel_procedure(session, procedure, patient, intake.plan, intake.actor, intake.now)
        return Outcome(f"procedure {procedure.id} cancelled", patient.id, procedure.id)
    visit = session.get(Appointment, link.appointment_id)
    assert visit is not None
    cancel_visit(session, visit, procedure, patient, intake.plan, intake.actor, intake.now)
    return Outcome(
        f"{link.kind} visit {visit.id} cancelled", patient.id, procedure.id, appointment_id=visit.id
    )


def no_show(session: Session, intake: Intake, external_id: str, reason: str) -> Outcome:
    """The patient did not come: the texts after the procedure stop, with the reason."""
    link = _link(session, intake, external_id)
    if link is None:
        return Outcome("appointment never seen here; no texts to stop", ignored=True)
    procedure = session.get(Procedure, link.procedure_id)
    assert procedure is not None
    patient = session.get(Patient, procedure.patient_id)
    assert patient is not None
    if link.appointment_id is not None:
        return Outcome(
            f"no-show at the {link.kind} visit noted; the visit's texts are past",
            patient.id,
            procedure.id,
            ignored=True,
        )
    record_no_show(session, procedure, patient, intake.actor, intake.now, reason)
    return Outcome(f"procedure {procedure.id}: no-show, texts stopped", patient.id, procedure.id)


def resolve_visit_time(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo("UTC"))


def _procedure_for_visit(session: Session, patient: Patient) -> Procedure | None:
    """The patient's latest scheduled procedure: the one a follow-up visit follows."""
    return session.exec(
        select(Procedure)
        .where(Procedure.patient_id == patient.id, Procedure.status == ProcedureStatus.scheduled)
        .order_by(col(Procedure.scheduled_at).desc())
    ).first()


def appointment_known(session: Session, intake: Intake, external_id: str) -> bool:
    """Whether this system's appointment id was seen here before."""
    return _link(session, intake, external_id) is not None


def _link(session: Session, intake: Intake, external_id: str) -> ExternalAppointment | None:
    params = {"source": intake.source, "external_id": external_id}
    return session.exec(_LINK, params=params).first()


# Read for nearly every feed message: built once.
_BY_MRN = select(Patient).where(col(Patient.mrn) == bindparam("mrn"))
_LINK = select(ExternalAppointment).where(
    col(ExternalAppointment.source) == bindparam("source"),
    col(ExternalAppointment.external_id) == bindparam("external_id"),
)


def _remember(
    session: Session,
    intake: Intake,
    external_id: str,
    kind: Booked,
    procedure_id: int,
    appointment_id: int | None,
) -> None:
    row = {
        "source": intake.source,
        "external_id": external_id,
        "kind": kind.value,
        "procedure_id": procedure_id,
        "appointment_id": appointment_id,
        "created_at": intake.now,
    }
    insert_row(session, ExternalAppointment, row)


def ask_on_scheduled(session: Session, patient: Patient, intake: Intake) -> None:
    """Queue the consent request with the patient's next scheduled procedure, if any."""
    procedure = _procedure_for_visit(session, patient)
    if procedure is not None:
        ask_for_consent(session, procedure, patient, intake.plan, intake.now)
