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
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime
