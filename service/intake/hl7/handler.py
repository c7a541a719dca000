"""One HL7 v2 message in, one ACK out: parse, apply through the intake use cases in one
transaction, log it (no PHI), commit, and only then acknowledge AA.

A message re-sent with the same control id (MSH-10) from the same sender is answered AA
again and applied once: the log's unique `applied_key` decides, also for two copies
arriving on two connections at once. A message that cannot be applied is rolled back
whole and answered AE with an ERR naming the segment and field; a type we do not take
gets AR. Either is logged in a transaction of its own.
"""

import logging
from collections.abc import Callable
from datetime import datetime

import hl7
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from service.audit.service import Source
from service.config import Settings
from service.errors import DomainError, InvalidInput
from service.intake.hl7 import read
from service.intake.hl7.ack import acknowledge
from service.intake.hl7.read import FieldError, Header
from service.intake.mapping import AppointmentMapping, Booked
from service.intake.models import IntakeMessage
from service.intake.people import IncomingPatient
from service.intake.records import merge, update_patient
from service.intake.service import (
    Intake,
    Outcome,
    book,
    cancel,
    find_patient,
    move,
    no_show,
    register,
)
from service.patients.phone import patients_phone
from service.timeline.active import active_plan
from service.writes import insert_row

log = logging.getLogger("reminders.hl7")

REGISTER = {"A04", "A28"}
UPDATE = {"A08", "A31"}
MERGE = {"A40"}
BOOK = {"S12"}
MOVE = {"S13", "S14"}
CANCEL = {"S15", "S17"}
NO_SHOW = {"S26"}
SUPPORTED = {"ADT": REGISTER | UPDATE | MERGE, "SIU": BOOK | MOVE | CANCEL | NO_SHOW}

# Where each of our fields is in an HL7 message: a domain error names our field, the ERR
# segment names theirs.
_LOCATION = {
    "given_name": ("PID", 5),
    "family_name": ("PID", 5),
    "phone": ("PID", 13),
    "mrn": ("PID", 3),
    "language": ("PID", 15),
    "birth_date": ("PID", 7),
    "timezone": ("PID", 13),
    "scheduled_at": ("SCH", 11),
    "starts_at": ("SCH", 11),
    "procedure_id": ("SCH", 2),
    "appointment_id": ("SCH", 2),
    "duplicate_id": ("MRG", 1),
    "patient_id": ("PID", 3),
}


class Hl7Feed:
    """Applies frames to the database; thread-safe (each call has its own session)."""

    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.mapping = AppointmentMapping(settings)

    def handle(self, block: bytes) -> bytes:
        """The ACK (encoded, unframed) for one frame's content."""
        now = self.clock()
        message: hl7.Message | None = None
        try:
            message = read.parse(read.decode(block))
            head = read.header(message)
        except FieldError as error:
            self._log(None, now, "AR", error.message, error.location)
            return _encode(acknowledge(message, "AR", error.message, error))
        if head.trigger not in SUPPORTED.get(head.message_type, set()):
            words = f"{head.kind} is not a message this service takes"
            where = FieldError(
                "MSH", 9, words, "200" if head.message_type not in SUPPORTED else "201"
            )
            self._log(head, now, "AR", words, where.location)
            return _encode(acknowledge(message, "AR", words, where))
        key = f"{head.sender}|{head.control_id}"
        try:
            outcome = self._apply_once(message, head, key, now)
        except FieldError as error:
            return self._refuse(message, head, now, error, key)
        except DomainError as refused:
            segment, field = _LOCATION.get(refused.field or "", ("MSH", 0))
            where = FieldError(segment, field, refused.message, "207")
            return self._refuse(message, head, now, where, key)
        except OperationalError:
            raise  # the database is down: no ACK at all, so the engine sends it again
        except Exception:
            log.exception("HL7 message could not be applied control_id=%s", head.control_id)
            internal = FieldError("MSH", 0, "internal error; nothing was changed", "207")
            return self._refuse(message, head, now, internal, key)
        if outcome is None:
            # Logged only now: on SQLite a second session inside the first would wait
            # for the write lock the first holds.
            return self._again(message, head, now)
        log.info("HL7 %s applied control_id=%s: %s", head.kind, head.control_id, outcome.text)
        return _encode(acknowledge(message, "AA", outcome.text if outcome.ignored else ""))

    def _apply_once(
        self, message: hl7.Message, head: Header, key: str, now: datetime
    ) -> Outcome | None:
        """Apply and commit with the log entry; None when it was applied before.

        No look-up first: the log entry's unique `applied_key` is the replay check, so a
        new message (nearly all of them) costs no extra statement. A re-sent one is
        applied, refused by that key at commit and rolled back whole; one whose second
        application fails is recognised on the refusal path (`_refuse`)."""
        with Session(self.engine, expire_on_commit=False) as session:
            intake = Intake(
                settings=self.settings,
                plan=active_plan(self.settings, session),
                feed="hl7",
                source=head.sender,
                actor=Source(f"HL7 feed {head.sender}"),
                now=now,
            )
            outcome = self._apply(session, message, head, intake)
            try:
                insert_row(
                    session,
                    IntakeMessage,
                    _entry(head, now, "AA", outcome.text, None, outcome, key),
                )
                session.commit()
            except IntegrityError:
                session.rollback()
                if _already_applied(session, key):  # the same message, another connection
                    return None
                raise
            return outcome

    def _apply(
        self, session: Session, message: hl7.Message, head: Header, intake: Intake
    ) -> Outcome:
        trigger = head.trigger
        person: IncomingPatient | None = None
        if trigger in REGISTER | UPDATE and find_patient(session, _mrn_of(message)) is None:
            # The feed carries every patient the clinic registers, most never ours: one
            # with no number to text is not registered (acknowledged, counted as ignored).
            # A later update with a mobile number registers them; an SIU booking our
            # procedure for them is still refused at PID-13, since staff must act.
            person = read.patient(message, self._textable)
            if person.phone is None:
                return Outcome("not registered: no mobile number to text; ignored", ignored=True)
        if trigger in REGISTER | UPDATE | MERGE:
            if person is None:
                person = read.patient(message, self._phone_of)
            if trigger in REGISTER:
                patient, new = register(session, intake, person)
                text = "registered" if new else "already registered as"
                return Outcome(f"{text} patient {patient.id}", patient.id)
            if trigger in UPDATE:
                return update_patient(session, intake, person)
            prior = read.value(read.first(message, "MRG"), 1)
            if not prior:
                raise FieldError("MRG", 1, "the prior patient's identifier is missing", "101")
            return merge(session, intake, person, prior)
        visit = read.appointment(message)
        if trigger in CANCEL:
            return cancel(session, intake, visit.external_id)
        if trigger in NO_SHOW:
            return no_show(session, intake, visit.external_id, visit.reason)
        kind = self.mapping.kind_of(visit.service, visit.reasons)
        if kind is None:
            return Outcome("not a MILD appointment (no mapped code); ignored", ignored=True)
        starts_at = self._start_of(visit, kind)
        if starts_at is None:
            raise FieldError("SCH", 11, "the appointment's start time is missing", "101")
        person = read.patient(message, self._phone_of)
        patient, _ = register(session, intake, person)
        if trigger in BOOK:
            return book(session, intake, patient, kind, visit.external_id, starts_at)
        return move(session, intake, patient, kind, visit.external_id, starts_at)

    def _start_of(self, visit: read.IncomingAppointment, kind: Booked) -> datetime | None:
        """The start of the service that is ours when several are booked together (an
        AIS of our kind with its own AIS-4), else the appointment's start."""
        if len(visit.parts) > 1:
            for codes, starts_at in visit.parts:
                if starts_at is not None and self.mapping.kind_of(codes) == kind:
                    return starts_at
        return visit.starts_at

    def _phone_of(self, candidates: list[str]) -> str | None:
        """The first number the domain accepts for texts (mobile first); None if none."""
        for number in candidates:
            try:
                return patients_phone(number, self.settings.clinic_phone_region)
            except InvalidInput:
                continue
        if candidates:
            raise FieldError("PID", 13, "no phone number in PID-13 can take texts", "102")
        return None

    def _textable(self, candidates: list[str]) -> str | None:
        try:
            return self._phone_of(candidates)
        except FieldError:
            return None

    def _again(self, message: hl7.Message, head: Header, now: datetime) -> bytes:
        self._log(head, now, "AA", "re-sent; already applied, acknowledged again", None)
        return _encode(acknowledge(message, "AA"))

    def _refuse(
        self,
        message: hl7.Message,
        head: Header,
        now: datetime,
        error: FieldError,
        key: str | None = None,
    ) -> bytes:
        if key is not None and self._applied_before(key):
            # A re-sent message that no longer applies (e.g. the booking it made was moved
            # since): it was applied once, so it is acknowledged again, not refused.
            return self._again(message, head, now)
        log.info("HL7 %s refused control_id=%s at %s", head.kind, head.control_id, error.location)
        self._log(head, now, "AE", error.message, error.location)
        return _encode(acknowledge(message, "AE", error.message, error))

    def _applied_before(self, key: str) -> bool:
        with Session(self.engine) as session:
            return _already_applied(session, key)

    def _log(
        self, head: Header | None, now: datetime, result: str, text: str, where: str | None
    ) -> None:
        with Session(self.engine) as session:
            insert_row(session, IntakeMessage, _entry(head, now, result, text, where, None, None))
            session.commit()


def _mrn_of(message: hl7.Message) -> str | None:
    pid = read.first(message, "PID")
    return read.patient_mrn(pid) if pid is not None else None


def _already_applied(session: Session, key: str) -> bool:
    found = session.exec(select(IntakeMessage.id).where(IntakeMessage.applied_key == key))
    return found.first() is not None


def _entry(
    head: Header | None,
    now: datetime,
    result: str,
    text: str,
    where: str | None,
    outcome: Outcome | None,
    key: str | None,
) -> dict[str, object]:
    """The log's row for one message (`IntakeMessage`)."""
    if outcome is not None and outcome.ignored:
        text = f"ignored: {text}"
    return {
        "transport": "hl7",
        "sender": head.sender if head else "unknown",
        "control_id": head.control_id if head else "",
        "message_type": head.kind[:16] if head else "unreadable",
        "received_at": now,
        "result": result,
        "outcome": text[:300],
        "error_location": where,
        "patient_id": outcome.patient_id if outcome else None,
        "procedure_id": outcome.procedure_id if outcome else None,
        "applied_key": key,
    }


def _encode(ack: str) -> bytes:
    return ack.encode("utf-8")
