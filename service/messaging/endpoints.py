from fastapi import APIRouter, Query, Response

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.deps import NowDep, ResourceId, SessionDep
from service.messaging.models import Message
from service.messaging.repository import messages_of_patient
from service.messaging.schemas import MessagePublic
from service.openapi import LIST_HEADERS, page_headers
from service.patients.service import get_patient

router = APIRouter(tags=["messages"])


@router.get(
    "/v1/patients/{patient_id}/messages",
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
    record_read(session, key, Read.messages, at=now, entity_id=patient_id, patient_id=patient_id)
    return [message_public(m) for m in messages]


def message_public(m: Message) -> MessagePublic:
    return MessagePublic(
        id=m.id or 0,
        procedure_id=m.procedure_id,
        direction=m.direction,
        body=m.body,
        steps=[s for s in m.steps.split(",") if s],
        language=m.language,
        status=m.status,
        gateway=m.gateway,
        provider_message_id=m.provider_message_id,
        error_code=m.error_code,
        error_message=m.error_message,
        template_versions=[v for v in (m.template_versions or "").split(",") if v],
        urgent=m.urgent,
        reschedule_request=m.reschedule_request,
        media_count=m.media_count,
        handled_at=m.handled_at,
        handled_by=m.handled_by,
        handled_note=m.handled_note,
        created_at=m.created_at,
        sent_at=m.sent_at,
        updated_at=m.updated_at,
    )
