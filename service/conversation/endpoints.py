"""The care team's side of the conversation: urgent alerts, the inbox, handling replies, a
patient's texts (read them all, send a one-off one)."""

from fastapi import APIRouter, Query, Response

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.conversation import inbox
from service.conversation.alerts import read_alerts
from service.conversation.schemas import (
    AlertPublic,
    HandledReply,
    HandleReply,
    InboxReply,
    StaffTextCreate,
)
from service.conversation.sending import GatewayDep
from service.conversation.staff_texts import send_staff_text
from service.deps import EngineDep, NowDep, ResourceId, SessionDep, SettingsDep
from service.messaging.repository import messages_of_patient
from service.messaging.schemas import MessagePublic, message_public
from service.openapi import LIST_HEADERS, page_headers
from service.patients.service import get_patient

router = APIRouter(tags=["inbox"])


@router.get("/v1/alerts", tags=["alerts"], response_model=list[AlertPublic])
def list_alerts(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[AlertPublic]:
    """Replies that mention a warning sign (fever, bleeding, ...) or whose check-in answer
    called a person (with the reason), newest first."""
    return [
        AlertPublic(
            message_id=m.id or 0,
            patient_id=m.patient_id,
            received_at=m.created_at,
            body=m.body,
            reason=m.urgent_reason,
        )
        for m in read_alerts(session, key.subject, now, limit)
    ]


@router.get("/v1/inbox", response_model=list[InboxReply])
def list_inbox(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[InboxReply]:
    """Replies nobody has handled yet: urgent first, then oldest first. A text from a
    number no patient has is here too, with `number_on_file` false and patient fields null."""
    replies = inbox.read_inbox(session, key.subject, now, limit)
    return [
        InboxReply(
            message_id=r.message.id or 0,
            number_on_file=r.patient is not None,
            phone=r.message.phone,
            patient_id=r.patient.id if r.patient else None,
            given_name=r.patient.given_name if r.patient else None,
            family_name=r.patient.family_name if r.patient else None,
            procedure_id=r.procedure.id if r.procedure else None,
            procedure_scheduled_at=r.procedure.scheduled_at if r.procedure else None,
            procedure_status=r.procedure.status if r.procedure else None,
            received_at=r.message.created_at,
            body=r.message.body,
            media_count=r.message.media_count,
            language=r.message.language,
            urgent=r.message.urgent,
            urgent_reason=r.message.urgent_reason,
            reschedule_request=r.message.reschedule_request,
            recovered_after_outage=r.message.recovered_at is not None,
        )
        for r in replies
    ]


@router.post(
    "/v1/inbox/{message_id}/handle",
    response_model=HandledReply,
    responses={404: {}, 409: {}},
)
def handle_reply(
    message_id: ResourceId,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    body: HandleReply | None = None,
) -> HandledReply:
    """Mark a reply handled, with an optional note; it leaves the inbox."""
    message = inbox.handle_reply(session, message_id, key.subject, body.note if body else None, now)
    session.commit()
    return HandledReply(
        message_id=message.id or 0,
        handled_at=message.handled_at or now,
        handled_by=message.handled_by or "",
        note=message.handled_note,
    )


@router.get(
    "/v1/patients/{patient_id}/messages",
    tags=["messages"],
    response_model=list[MessagePublic],
    responses={404: {}, 200: {"headers": LIST_HEADERS}},
)
def list_messages(
    patient_id: ResourceId,
    response: Response,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    limit: int = Query(default=200, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[MessagePublic]:
    """Every text to and from the patient, oldest first, exactly as sent; a page at a
    time (`X-Total-Count`, and `Link: <...>; rel="next"` when more follow)."""
    get_patient(session, patient_id)
    messages, total = messages_of_patient(session, patient_id, limit=limit, offset=offset)
    following = offset + len(messages)
    page_headers(
        response,
        f"/v1/patients/{patient_id}/messages",
        {"limit": limit},
        total,
        following if following < total else None,
    )
    record_read(
        session, key.subject, Read.messages, at=now, entity_id=patient_id, patient_id=patient_id
    )
    return [message_public(m) for m in messages]


@router.post(
    "/v1/patients/{patient_id}/messages",
    tags=["messages"],
    status_code=201,
    response_model=MessagePublic,
    responses={404: {}, 409: {}, 422: {}, 502: {}},
)
def send_message(
    patient_id: ResourceId,
    body: StaffTextCreate,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    now: NowDep,
    key: StaffKey,
) -> MessagePublic:
    """A one-off text from staff; refused (409) to an opted-out number or outside the
    patient's sending window unless `outside_window` is true."""
    # The key's look-up ends here: the text is sent with no transaction open.
    session.commit()
    message = send_staff_text(
        engine,
        settings,
        gateway,
        patient_id,
        body.body,
        key.subject,
        now,
        outside_window=body.outside_window,
    )
    return message_public(message)
