"""Names, phone numbers and dates of birth as the front desk types them, folded so that
what was typed and what was enrolled compare equal.

Folding drops case, accents and punctuation: "GARCÍA" and "garcia" are "garcia",
"O'Brien" is "obrien". The same functions fold what is stored (the search columns and
name tokens written at enrollment and on every edit) and what is searched, so the two
can never disagree; the migration that filled the columns for existing patients calls
them too.
"""

import re
import unicodedata
from datetime import date

# Letters NFKD leaves whole; their plain spelling is how people type them without
# the key (Søren -> soren, Łukasz -> lukasz).
_PLAIN = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}
)
_SEPARATORS = re.compile(r"[^\w]+|_+")
TOKEN_MAX = 100

# Regions whose people write dates month first (3/16/1950); everywhere else writes the
# day first (16/03/1950). ISO 1950-03-16 reads the same everywhere.
MONTH_FIRST_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"})
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WRITTEN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: 'Núñez' -> 'nunez'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub("", plain)


def name_tokens(*names: str) -> set[str]:
    """Every way a search may start one of these names: each word ('maria', 'jose',
    'garcia', 'nunez'), each part of a punctuated word ('o', 'brien') and the word
    whole ('obrien'), and each name written without its spaces ('mariajose')."""
    tokens: set[str] = set()
    for name in names:
        words = name.split()
        for word in words:
            parts = [fold(part) for part in _SEPARATORS.split(word)]
            tokens.update(part for part in parts if part)
            tokens.add(fold(word))
        if len(words) > 1:
            tokens.add(fold(name))
    return {token[:TOKEN_MAX] for token in tokens if token}


def query_words(q: str) -> list[str]:
    """The words of a search, folded the way names are ('O'Brien,' -> 'obrien')."""
    return [word for word in (fold(raw) for raw in q.split()) if word]


def reversed_digits(phone: str) -> str:
    """A number's digits back to front, so its last digits are a prefix an index finds."""
    return "".join(ch for ch in reversed(phone) if ch.isdigit())


def phone_ending(q: str) -> str | None:
    """The digits of a query that is a phone number or its end ('0142', '555-0142',
    '(312) 555-0142'): four or more digits and only the punctuation numbers carry."""
    stripped = q.strip()
    if not stripped or any(ch.isalpha() for ch in stripped):
        return None
    if re.search(r"[^\d\s()+./-]", stripped):
        return None
    digits = "".join(ch for ch in stripped if ch.isdigit())
    return digits if 4 <= len(digits) <= 15 else None


def birth_date_typed(word: str, region: str) -> date | None:
    """A date of birth as typed: 1950-03-16 anywhere; 03/16/1950 or 3/16/1950 month
    first where the clinic's region writes dates so, 16/03/1950 day first elsewhere."""
    iso = _ISO_DATE.match(word)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        written = _WRITTEN_DATE.match(word)
        if written is None:
            return None
        first, second, year = (int(part) for part in written.groups())
        month, day = (first, second) if region.upper() in MONTH_FIRST_REGIONS else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        return None
