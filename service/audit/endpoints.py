import json

from fastapi import APIRouter, Query

from service.audit.schemas import AuditEntryPublic
from service.audit.service import find_entries
from service.auth.deps import AdminKey
from service.deps import SessionDep
from service.validation import ClinicalInstant, PlainText

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryPublic])
def list_audit(
    session: SessionDep,
    _: AdminKey,
    patient_id: int | None = Query(default=None, ge=1, le=2_147_483_647),
    user_id: int | None = Query(
        default=None, ge=1, le=2_147_483_647, description="What this person did or looked at"
    ),
    key_id: int | None = Query(
        default=None, ge=1, le=2_147_483_647, description="What this API key did or looked at"
    ),
    entity: PlainText | None = Query(default=None, max_length=40),
    action: PlainText | None = Query(
        default=None, max_length=40, description="e.g. `read`: who looked at patient data"
    ),
    since: ClinicalInstant | None = Query(default=None, description="Inclusive, with offset"),
    until: ClinicalInstant | None = Query(default=None, description="Exclusive, with offset"),
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[AuditEntryPublic]:
    """Newest first."""
    return [
        AuditEntryPublic(
            id=e.id or 0,
            at=e.at,
            actor_key_id=e.actor_key_id,
            actor_user_id=e.actor_user_id,
            actor_name=e.actor_name,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            patient_id=e.patient_id,
            changes=json.loads(e.changes),
        )
        for e in find_entries(
            session,
            patient_id=patient_id,
            user_id=user_id,
            key_id=key_id,
            entity=entity,
            action=action,
            since=since,
            until=until,
            limit=limit,
        )
    ]
