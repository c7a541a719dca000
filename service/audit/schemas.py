"""An audit entry as GET /v1/audit answers it."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor_key_id: int | None
    actor_user_id: int | None
    actor_name: str
    action: str
    entity: str
    entity_id: str
    patient_id: int | None
    changes: dict[str, Any]
