"""Reading the audit: newest first, a page at a time.

The audit grows with every look at patient data, even while someone pages through it, so
pages follow a cursor (the last entry shown) rather than an offset: a new entry at the
top never shifts an older page, and no page counts the whole table.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.errors import InvalidInput


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # The cursor of the next (older) page: the id of the last entry here; None at the end.
    next_cursor: int | None


def find_entries(
    session: Session,
    *,
    patient_id: int | None = None,
    user_id: int | None = None,
    key_id: int | None = None,
    entity: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    cursor: int | None = None,
) -> AuditPage:
    """Entries matching every filter given, newest first; `cursor` (a previous page's
    `next_cursor`) starts after that entry."""
    query = select(AuditEntry)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    if user_id is not None:  # what one person did or looked at in the console
        query = query.where(AuditEntry.actor_user_id == user_id)
    if key_id is not None:  # ... or one API key
        query = query.where(AuditEntry.actor_key_id == key_id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    if cursor is not None:
        last = session.get(AuditEntry, cursor)
        if last is None:
            raise InvalidInput(f"no audit entry {cursor} to page on from", field="cursor")
        # Older than the last entry shown, in the same (at, id) order as the page.
        query = query.where(
            or_(
                col(AuditEntry.at) < last.at,
                and_(col(AuditEntry.at) == last.at, col(AuditEntry.id) < cursor),
            )
        )
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    # One more than asked: whether an older page follows, without counting them all.
    entries = list(session.exec(query.limit(limit + 1)))
    if len(entries) > limit:
        return AuditPage(entries[:limit], entries[limit - 1].id)
    return AuditPage(entries, None)
