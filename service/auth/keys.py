"""API keys: minted once, stored only as a hash."""

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from service.audit.service import Actor, audit
from service.auth.models import ApiKey, Role
from service.errors import Conflict, InvalidInput, NotFound

KEY_PREFIX = "mr_"


def hash_key(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a plain SHA-256 cannot be brute-forced;
    # a slow password hash would only slow every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(session: Session, *, role: str, name: str, now: datetime) -> tuple[ApiKey, str]:
    """Store a new key and return it with its secret, which is never shown again."""
    try:
        role = Role(role).value
    except ValueError:
        raise InvalidInput(
            f"role must be one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name, role=role, prefix=secret[:10], key_hash=hash_key(secret), created_at=now
    )
    session.add(key)
    session.flush()
    return key, secret


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


def find_active_key(session: Session, secret: str) -> ApiKey | None:
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


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
