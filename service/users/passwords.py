"""Argon2 password hashes (pwdlib), and the rules a new password must meet. Verification
costs the same whether or not the account exists, so timing does not tell which emails
have accounts."""

import re
import unicodedata
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn

from service.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn's scale: 3 is "safely unguessable: moderate protection from an offline attack
# on a slow hash", which Argon2id is. 0-2 are common, breached or patterned passwords.
MIN_STRENGTH = 3
# zxcvbn's own limit (its matching grows fast with length); the rest adds strength.
_ESTIMATED_LENGTH = 72
# Shorter pieces of a name ("Al", "Li") are refused only as part of the whole estimate.
_MIN_PERSONAL_PIECE = 3

_hasher = PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the email is unknown, to spend the same time as a real check
    (made at the first sign-in, not at every import: the CLI and workers never need it)."""
    return _hasher.hash("not a real password, only spends time")


def check_password_rules(
    password: str, field: str = "password", *, name: str = "", email: str = ""
) -> None:
    """Long enough, not common or breached (zxcvbn's lists and patterns), and without
    the person's name or email; no composition rules (NCSC/NIST advice). A refusal says why."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must be at least {MIN_LENGTH} characters", field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"the password must be at most {MAX_LENGTH} characters", field=field)
    personal = personal_words(name, email)
    folded = _folded(password)
    if any(word in folded for word in personal):
        raise InvalidInput(
            "the password must not contain the person's name or email address", field=field
        )
    hints = [*personal, *_guessing_hints(name, email)]
    estimate = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=hints)
    if estimate["score"] < MIN_STRENGTH:
        feedback = estimate["feedback"]
        why = (feedback["warning"] or "It follows a pattern that is quick to guess.").rstrip(".")
        advice = " ".join(feedback["suggestions"][:1]) or "Add another word or two."
        raise InvalidInput(
            f"the password is too easy to guess: {why[:1].lower()}{why[1:]}. {advice}",
            field=field,
        )


def personal_words(name: str, email: str) -> list[str]:
    """What a password may not contain: each part of the person's name, and their email
    address's local part as a whole (its pieces, e.g. "admin" in "ada.admin", are only
    counted against the password's strength)."""
    pieces = [_folded(piece) for piece in re.split(r"[\W_]+", name) if piece]
    pieces.append(_folded(email.split("@", 1)[0]))
    return sorted({piece for piece in pieces if len(piece) >= _MIN_PERSONAL_PIECE})


def _guessing_hints(name: str, email: str) -> list[str]:
    local = email.split("@", 1)[0]
    return [piece for piece in re.split(r"[\W_]+", f"{name} {local}") if piece]


def _folded(text: str) -> str:
    # "María-José" and "maria jose" are the same name to a guesser.
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; with no hash, spends the time and says no."""
    if password_hash is None:
        _hasher.verify(password, _dummy_hash())
        return False
    return _hasher.verify(password, password_hash)
