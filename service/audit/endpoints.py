import json

from fastapi import APIRouter, Query, Response

from service.audit.repository import find_entries
from service.audit.schemas import AuditEntryPublic
from service.auth.deps import AdminKey
from service.deps import SessionDep
from service.openapi import NEXT_LINK_HEADER, next_link
from service.validation import ClinicalInstant, PlainText

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "", response_model=list[AuditEntryPublic], responses={200: {"headers": NEXT_LINK_HEADER}}
)
def list_audit(
    response: Response,
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
    cursor: int | None = Query(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="Where the previous page ended: copy it from that page's `Link` header",
    ),
) -> list[AuditEntryPublic]:
    """Newest first, a page at a time: `Link: <...>; rel="next"` while older entries
    follow. Entries written while you page never shift the pages still to come."""
    page = find_entries(
        session,
        patient_id=patient_id,
        user_id=user_id,
        key_id=key_id,
        entity=entity,
        action=action,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    if page.next_cursor is not None:
        params = {
            "patient_id": patient_id,
            "user_id": user_id,
            "key_id": key_id,
            "entity": entity,
            "action": action,
            "since": since,
            "until": until,
            "limit": limit,
            "cursor": page.next_cursor,
        }
        next_link(response, "/v1/audit", params)
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
        for e in page.entries
    ]
