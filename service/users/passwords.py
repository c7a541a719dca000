"""Argon2 password hashes (pwdlib). Verification costs the same whether or not the
account exists, so timing does not tell which emails have accounts."""

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from service.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the email is unknown, to spend the same time as a real check.
_DUMMY_HASH = _hasher.hash("not a real password, only spends time")


def check_password_rules(password: str, field: str = "password") -> None:
    """Long enough to resist guessing; no composition rules (NCSC/NIST advice)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must be at least {MIN_LENGTH} characters", field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"the password must be at most {MAX_LENGTH} characters", field=field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; with no hash, spends the time and says no."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)
