"""What Twilio posts, made safe to store: no control characters, a SID that fits its column."""

import hashlib
import unicodedata

SID_COLUMN_LENGTH = 64
_KEPT_CONTROLS = frozenset("\n\t")


def clean_text(raw: str) -> str:
    """The reply without NUL or other control characters (PostgreSQL refuses NUL in text);
    line breaks and tabs stay, every other character is kept as the patient sent it."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def sid_key(sid: str | None) -> str | None:
    """The SID as stored: itself when it fits, else a digest of it (still unique per SID).

    Twilio's SIDs are 34 characters; a longer one (a forged or future format) must
    neither fail the insert nor be cut into a prefix another SID could share.
    """
    if not sid:
        return None
    sid = clean_text(sid).strip()
    if not sid:
        return None
    if len(sid) <= SID_COLUMN_LENGTH:
        return sid
    return "sha256:" + hashlib.sha256(sid.encode()).hexdigest()[: SID_COLUMN_LENGTH - 7]


MAX_MEDIA = 10  # Twilio accepts at most 10 pictures or files on one MMS


def media_count(raw: str | None) -> int:
    """Twilio's NumMedia as a count; anything unreadable counts as none (never a 4xx:
    Twilio does not resend a refused webhook, and the words would be lost)."""
    try:
        count = int((raw or "0").strip())
    except ValueError:
        return 0
    return min(max(count, 0), MAX_MEDIA)
