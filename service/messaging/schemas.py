from datetime import datetime

from pydantic import BaseModel


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
