"""Input rules shared by every schema: clinical dates, IANA zones and plain text.

Each is an annotated type, so a bad value is a 422 naming its field before any
domain code (or the database) sees it.
"""

import difflib
import re
import unicodedata
import zoneinfo
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

# Far outside any real procedure or audit window, yet far inside what `datetime` and
# the databases can hold whatever offset a client adds (year 9999 overflows in UTC).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100

# ISO 8601 date and time; pydantic alone would also read "0.5" or 1700000000 as a
# Unix time, which no clinic means.
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_string(value: Any) -> Any:
    if isinstance(value, datetime):  # already parsed (a Python caller)
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise ValueError("must be an ISO 8601 date and time such as '2027-03-16T07:00:00'")
    return value


def _clinical_year(value: datetime) -> datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


ClinicalDatetime = Annotated[datetime, BeforeValidator(_iso_string), AfterValidator(_clinical_year)]
"""A date and time from a client: an ISO 8601 string within 2000-2100."""

ClinicalInstant = Annotated[
    AwareDatetime, BeforeValidator(_iso_string), AfterValidator(_clinical_year)
]
"""The same, with an offset (`Z` or `+02:00`): an instant, e.g. a query's `since`."""


# Bidi embeddings, overrides and isolates make a name display as something else
# (U+202E turns "evil.exe" around); no person's name needs them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _refuse_invisible(value: str, allowed: str = "") -> str:
    for char in value:
        if char in allowed:
            continue
        if char in _BIDI_CONTROLS:
            raise ValueError(f"must not contain the direction control U+{ord(char):04X}")
        # Cc: NUL and other control characters; Cs: lone surrogates, which no database
        # can store as text.
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError(f"must not contain the control character U+{ord(char):04X}")
    return value


def plain_text(value: str) -> str:
    """A one-line text (a name): no control characters, no direction overrides."""
    return _refuse_invisible(value)


def multiline_text(value: str) -> str:
    """A text that may span lines (a template body): line breaks and tabs only."""
    return _refuse_invisible(value, allowed="\n\r\t")


PlainText = Annotated[str, AfterValidator(plain_text)]
MultilineText = Annotated[str, AfterValidator(multiline_text)]


# The tz database's own areas; "EST5EDT" or "localtime" are legacy or host-dependent
# names, and "Pacific" or "Etc" are folders, not zones.
_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
    "Etc/",
)
# Abbreviations and POSIX-style rules staff type for a US zone: refused, since "EST"
# is a fixed offset without daylight saving (the tz database links it to Panama), with
# the zone they most likely mean.
_LEGACY_HINTS = {
    "EST5EDT": "America/New_York",
    "EST": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "MST": "America/Phoenix",
    "PST8PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
}


@lru_cache(maxsize=1)
def zone_links() -> dict[str, str]:
    """Old or alternative names (links) -> the zone they name: 'US/Pacific' ->
    'America/Los_Angeles', 'Asia/Calcutta' -> 'Asia/Kolkata'.

    Read from the tz database's own `tzdata.zi` where the host has one (the same data
    zoneinfo reads); CLDR's alias table (shipped with Babel) fills in where it has not,
    e.g. a container with only the `tzdata` wheel, which carries no link list.
    """
    from babel.core import get_global  # CLDR data; imported once, when first needed

    links: dict[str, str] = {
        str(alias): str(target) for alias, target in get_global("zone_aliases").items()
    }
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "tzdata.zi"
        if path.is_file():
            for line in path.read_text(encoding="ascii", errors="replace").splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[0] == "L":
                    links[parts[2]] = parts[1]
            break
    resolved = {}
    zones = available_timezones()  # a walk of the zone folders: once, not once an alias
    for alias in links:
        target, hops = links[alias], 0
        while target in links and hops < 5:  # a link to a link
            target, hops = links[target], hops + 1
        if target != alias and target in zones:
            resolved[alias] = target
    return resolved


@lru_cache(maxsize=1)
def canonical_zones() -> frozenset[str]:
    """IANA zone names a clinic may use: Area/Location zones that are not links, and UTC."""
    links = zone_links()
    return frozenset(
        name
        for name in available_timezones()
        if (name.startswith(_AREAS) and name not in links) or name == "UTC"
    )


def canonical_zone(name: str) -> str:
    """`name` if it is a canonical IANA zone, the zone it names if it is a link written
    Area/Location ('US/Pacific' is 'America/Los_Angeles'); else a ValueError with the
    nearest real name."""
    if name in canonical_zones():
        return name
    target = zone_links().get(name)
    if target is not None and "/" in name and target in canonical_zones():
        return target
    hint = _LEGACY_HINTS.get(name) or target
    if hint is None or hint not in canonical_zones():
        hint = nearest_zone(name)
    return _unknown_zone(name, hint)


def nearest_zone(name: str) -> str:
    """The real zone name closest to what was typed: 'America/Chicgo', 'chicago' and
    'New York' each find their city's zone; a link's near-miss finds the zone it names."""
    typed = name.strip().replace(" ", "_").lower()
    candidates = {zone.lower(): zone for zone in canonical_zones()}
    for alias, target in zone_links().items():
        if target in canonical_zones():
            candidates.setdefault(alias.lower(), target)
    city_only = "/" not in typed
    best, best_score = "America/New_York", 0.0
    for written, zone in candidates.items():
        compared = written.rsplit("/", 1)[-1] if city_only else written
        score = difflib.SequenceMatcher(None, typed, compared).ratio()
        if score > best_score:
            best, best_score = zone, score
    return best


def _unknown_zone(name: str, hint: str) -> str:
    shown = name if len(name) <= 64 else name[:61] + "..."
    raise ValueError(f"{shown!r} is not an IANA time zone; did you mean {hint!r}?")


ZoneName = Annotated[str, AfterValidator(canonical_zone)]
"""A canonical IANA time zone name such as 'America/Chicago'."""


LARGEST_ID = 2_147_483_647  # the largest id an INTEGER primary key holds


def whole_number(raw: str | None) -> int | None:
    """'42' (spaces around allowed) as 42; None for anything else, including signs and the
    digits of other scripts ('²', '٤') that `str.isdigit` accepts and `int` refuses."""
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def record_id(raw: str | None) -> int | None:
    """A record's id sent as text (a URL, a form, a FHIR reference), or None when it cannot
    be one: what `whole_number` refuses, 0, or past `LARGEST_ID`."""
    number = whole_number(raw)
    return number if number is not None and 1 <= number <= LARGEST_ID else None
