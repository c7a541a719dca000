"""FHIR R4 reads of what the service holds about a patient's recovery, for the chart:
every text out and reply in (`Communication`) and every check-in answer
(`Observation`). Read-only; each look is audited like any other read."""

from fastapi import APIRouter, Query, Response

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.deps import NowDep, SessionDep
from service.errors import DomainError
from service.intake.fhir import communications, observations
from service.intake.fhir.answers import answer, refused, searchset
from service.messaging.models import Message
from service.validation import record_id

router = APIRouter(prefix="/fhir/R4", tags=["FHIR R4"])


@router.get("/Communication/{message_id}", summary="Read one text out or reply in")
def read_communication(
    message_id: str, session: SessionDep, now: NowDep, key: StaffKey
) -> Response:
    number = record_id(message_id)
    message = session.get(Message, number) if number is not None else None
    if message is None or message.patient_id is None:
        return refused(f"no Communication/{message_id}", "Communication.id", 404, "not-found")
    record_read(
        session,
        key.subject,
        Read.messages,
        at=now,
        entity_id=message.id,
        patient_id=message.patient_id,
        found_by="fhir",
    )
    body = communications.communication(message)
    session.commit()
    return answer(body)


@router.get("/Communication", summary="Texts and replies by patient and date sent")
def search_communications(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    patient: str | None = Query(default=None, max_length=40),
    sent: list[str] = Query(default=[], max_length=4),
) -> Response:
    number = record_id(patient.removeprefix("Patient/")) if patient else None
    if patient and number is None:
        return refused("patient must be Patient/{id}", "patient", 400)
    try:
        found = communications.find(session, number, sent)
    except DomainError as exc:
        return refused(exc.message, "sent", 400)
    shown = [m.patient_id for m in found]
    record_read(session, key.subject, Read.messages, at=now, shown=shown, found_by="fhir")
    bundle = searchset((f"Communication/{m.id}", communications.communication(m)) for m in found)
    session.commit()
    return answer(bundle)


@router.get("/Observation/{answer_id}", summary="Read one recovery check-in answer")
def read_observation(answer_id: str, session: SessionDep, now: NowDep, key: StaffKey) -> Response:
    number = record_id(answer_id)
    found = observations.get(session, number) if number is not None else None
    if found is None:
        return refused(f"no Observation/{answer_id}", "Observation.id", 404, "not-found")
    record_read(
        session,
        key.subject,
        Read.check_ins,
        at=now,
        entity_id=found.id,
        patient_id=found.patient_id,
        found_by="fhir",
    )
    body = observations.observation(found, observations.kind_of(session, found.question))
    session.commit()
    return answer(body)


@router.get("/Observation", summary="Recovery check-in answers by patient")
def search_observations(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    patient: str | None = Query(default=None, max_length=40),
) -> Response:
    number = record_id(patient.removeprefix("Patient/")) if patient else None
    if patient and number is None:
        return refused("patient must be Patient/{id}", "patient", 400)
    found = observations.find(session, number)
    shown = [a.patient_id for a in found]
    record_read(session, key.subject, Read.check_ins, at=now, shown=shown, found_by="fhir")
    bundle = searchset(
        (
            f"Observation/{a.id}",
            observations.observation(a, observations.kind_of(session, a.question)),
        )
        for a in found
    )
    session.commit()
    return answer(bundle)
