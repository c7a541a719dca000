"""API keys: minted once, stored only as a hash."""

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, select

from service.auth.models import ApiKey
from service.errors import InvalidInput
from service.users.models import Role

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


def find_active_key(session: Session, secret: str) -> ApiKey | None:
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key
