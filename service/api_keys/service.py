"""Issuing and revoking API keys, for an admin by key (the API) or in the console."""

from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session, col, select

from service.audit.service import Actor, audit
from service.auth.key_cache import forget_keys
from service.auth.keys import create_api_key
from service.auth.models import ApiKey
from service.errors import Conflict, NotFound
from service.users.models import Role


def issue_api_key(
    session: Session, actor: Actor, *, role: str, name: str, now: datetime
) -> tuple[ApiKey, str]:
    """`create_api_key` for an admin (by key or in the console), audited with who did it."""
    key, secret = create_api_key(session, role=role, name=name, now=now)
    audit(
        session,
        actor,
        "create",
        "api_key",
        key.id,
        at=now,
        fields=["role", "name"],
        after={"id": key.id, "role": key.role, "prefix": key.prefix},
    )
    return key, secret


def list_api_keys(session: Session, *, revoked_last: bool = False) -> list[ApiKey]:
    """Every key, oldest first (the console lists the revoked ones after the active ones)."""
    query = select(ApiKey)
    if revoked_last:
        query = query.order_by(col(ApiKey.revoked_at).is_not(None))
    return list(session.exec(query.order_by(col(ApiKey.id))))


def get_api_key(session: Session, key_id: int) -> ApiKey:
    found = session.get(ApiKey, key_id)
    if found is None:
        raise NotFound(f"no API key with id {key_id}", field="key_id")
    return found


def revoke_api_key(session: Session, key_id: int, actor: Actor, now: datetime) -> ApiKey:
    """Revoked at once (the next request with it gets 401), audited; twice is a no-op.
    The last active admin key stays: without it no machine could administer the API."""
    target = session.get(ApiKey, key_id)
    if target is None:
        raise NotFound(f"no API key with id {key_id}", field="key_id")
    if target.revoked_at is None:
        if target.role == Role.admin and _active_admin_keys(session) <= 1:
            raise Conflict(
                "this is the last active admin key; create another admin key first",
                field="key_id",
            )
        target.revoked_at = now
        session.add(target)
        # This process stops trusting keys it checked a moment ago, now and once more
        # when the revocation is committed (a request that read the key in between).
        forget_keys()
        event.listen(session, "after_commit", lambda _session: forget_keys(), once=True)
        audit(
            session,
            actor,
            "revoke",
            "api_key",
            target.id,
            at=now,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
    return target


def _active_admin_keys(session: Session) -> int:
    query = select(ApiKey.id).where(ApiKey.role == Role.admin, col(ApiKey.revoked_at).is_(None))
    return len(list(session.exec(query)))
