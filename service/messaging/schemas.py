from datetime import datetime

from pydantic import BaseModel

from service.messaging.models import Message


class MessagePublic(BaseModel):
    id: int
    procedure_id: int | None
    direction: str
    body: str
    steps: list[str]
    language: str
    status: str
    gateway: str
    provider_message_id: str | None
    error_code: str | None
    error_message: str | None
    # Which template version made each part of an outbound text, e.g. "prep_week:en:2".
    template_versions: list[str]
    # Inbound replies: flagged for a warning sign, a reschedule request, and handling.
    urgent: bool
    reschedule_request: bool
    # Pictures or files an inbound MMS carried (not kept here: Twilio's log has them).
    media_count: int
    handled_at: datetime | None
    handled_by: str | None
    handled_note: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


def message_public(m: Message) -> MessagePublic:
    """A message as the API shows it (steps and template versions as lists)."""
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
