"""A date cell as spreadsheets and people write it: in the clinic region's order (3/16/1950
in the US, 16/03/1950 elsewhere; ISO anywhere), a month named in English or Spanish, an
Excel serial from a CSV saved from Excel, with the midnight an export attaches. A cell that
could be two dates, or none, is refused, never guessed: staff confirm it."""

import re
from datetime import date, time, timedelta

from service.patients.folding import MONTH_FIRST_REGIONS

_NUMERIC = re.compile(r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})$")
_SEPARATOR = re.compile(r"\s*([/.-])\s*")
# An Excel serial (days since Excel's 1900-01-00), with a time of day as its fraction. Only
# five digits: 1927 to 2173; a shorter number ("1950") is a year or a typo, not a date.
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 is 1900-03-01: Excel counts a 1900-02-29
# A time an export or a person put after the date: "3/4/1950 0:00", "1950-03-04T00:00:00Z",
# "03/04/1950 12:00 AM", "1950-03-04T00:00:00.000-05:00".
_ATTACHED_TIME = re.compile(
    r"^(?P<day>.+?)(?:\s*T\s*|\s+)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:\s*[ap]\.?m\.?)?\s*(?:z|[+-]\d{2}:?\d{2})?)$",
    re.IGNORECASE,
)
_MIDNIGHT = re.compile(
    r"^(?:0?0:00(?::00(?:[.,]0+)?)?|12:00(?::00)?\s*a\.?m\.?)\s*(?:z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    # English and Spanish, in full and as spreadsheets abbreviate them (Sept, set.: setiembre).
    ("january", "jan", "enero", "ene"),
    ("february", "feb", "febrero"),
    ("march", "mar", "marzo"),
    ("april", "apr", "abril", "abr"),
    ("may", "mayo"),
    ("june", "jun", "junio"),
    ("july", "jul", "julio"),
    ("august", "aug", "agosto", "ago"),
    ("september", "sep", "sept", "septiembre", "setiembre"),
    ("october", "oct", "octubre"),
    ("november", "nov", "noviembre"),
    ("december", "dec", "diciembre", "dic"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
# Words a written date carries that say nothing about which day it is: weekdays ("Tuesday,
# March 16, 2027"), "de" ("4 de marzo de 1950"), "of", ordinal endings ("4th").
_WEEKDAY_NAMES = (
    ("monday", "mon", "lunes", "lun"),
    ("tuesday", "tue", "tues", "martes"),  # not "mar": that is March
    ("wednesday", "wed", "miércoles", "miercoles", "mié", "mie"),
    ("thursday", "thu", "thur", "thurs", "jueves", "jue"),
    ("friday", "fri", "viernes", "vie"),
    ("saturday", "sat", "sábado", "sabado", "sáb", "sab"),
    ("sunday", "sun", "domingo", "dom"),
)
_FILLER = frozenset(
    [
        *(name for names in _WEEKDAY_NAMES for name in names if name not in _MONTHS),
        *("de", "del", "of", "the", "st", "nd", "rd", "th"),
    ]
)


def split_time(cell: str) -> tuple[str, str]:
    """The date part of a cell and the time written after it ("" when none)."""
    attached = _ATTACHED_TIME.match(cell.strip())
    if attached is None:
        return cell.strip(), ""
    return attached["day"].strip(), attached["time"]


def is_midnight(clock: str) -> bool:
    """The "0:00" (or 12:00 AM) an export attaches to a date that has no time."""
    return bool(_MIDNIGHT.match(clock.strip()))


# A weekday written before the date ("Tue 3/16/2027", "martes, 16 de marzo"): Monday is 0.
_WEEKDAYS = {name: n for n, names in enumerate(_WEEKDAY_NAMES) for name in names}
_LEADING_WEEKDAY = re.compile(r"^([^\W\d_]+)\.?,?\s+(?=\S)")


def read_date(raw: str, region: str, *, two_digit: bool) -> date | None:
    """A date, or None. Two-digit years only where allowed (a procedure date: 20xx); a date
    of birth with two digits is ambiguous (1925 or 2025, or a typo) and is refused. A
    weekday written before it must be the date's own: a clash means one of them is wrong."""
    text = " ".join(split_time(" ".join(_unquoted(raw).split()))[0].split())
    leading = _LEADING_WEEKDAY.match(text)
    if leading and leading[1].lower() in _WEEKDAYS:
        day = _read_date(text[leading.end() :], region, two_digit=two_digit)
        if day is None or day.weekday() != _WEEKDAYS[leading[1].lower()]:
            return None
        return day
    return _read_date(text, region, two_digit=two_digit)


def _unquoted(raw: str) -> str:
    """The cell without the quotes a spreadsheet or a person put round it: Excel's leading
    apostrophe (a date kept as text), straight or curly double quotes."""
    text = raw.strip()
    if text.startswith(("'", "\u2018", "\u2019")):
        text = text[1:]
    if len(text) >= 2 and text[0] in '"\u201c\u201d' and text[-1] in '"\u201c\u201d':
        text = text[1:-1]
    return text


def _read_date(text: str, region: str, *, two_digit: bool) -> date | None:
    month_first = region.upper() in MONTH_FIRST_REGIONS
    if text.isdigit() and len(text) in (12, 14):  # an HL7 timestamp: YYYYMMDDHHMM[SS]
        text = text[:8]
    if text.isdigit() and len(text) == 8:
        return _eight_digits(text, month_first)
    serial = _SERIAL.match(text)
    if serial:
        return _excel_serial(int(serial[1]))
    numeric = _NUMERIC.match(_SEPARATOR.sub(r"\1", text))
    if numeric:
        return _numeric(*numeric.groups(), month_first=month_first, two_digit=two_digit)
    return _named(text, two_digit=two_digit)


def _eight_digits(text: str, month_first: bool) -> date | None:
    """YYYYMMDD when it starts with a plausible year, else MMDDYYYY (DDMMYYYY elsewhere)."""
    if 1800 <= int(text[:4]) <= 2199:
        return _date(int(text[:4]), int(text[4:6]), int(text[6:]))
    first, second, year = int(text[:2]), int(text[2:4]), int(text[4:])
    return _date(year, first, second) if month_first else _date(year, second, first)


def _excel_serial(days: int) -> date | None:
    return None if days == 60 else _EXCEL_EPOCH + timedelta(days=days)


def _numeric(
    a: str, sep: str, b: str, c: str, *, month_first: bool, two_digit: bool
) -> date | None:
    if len(a) == 4:
        return _date(int(a), int(b), int(c)) if len(c) <= 2 else None
    if sep == "." and month_first and int(b) <= 12:
        # Dots are the day-first convention: 04.03.1950 is 4 March or 3 April, and
        # 15.03.1950 is not in the clinic's order. Only 03.15.1950 reads one way.
        return None
    if len(a) > 2 or len(c) not in (2, 4) or (len(c) == 2 and not two_digit):
        return None
    year = int(c) + (2000 if len(c) == 2 else 0)
    month, day = (int(a), int(b)) if month_first else (int(b), int(a))
    return _date(year, month, day)


def _named(text: str, *, two_digit: bool) -> date | None:
    """A month by name, a day and a year in any order: "March 4th, 1950", "04MAR1950",
    "4 de marzo de 1950", "Tuesday, March 16, 2027". A misspelt month is not guessed."""
    words = [w for w in re.findall(r"[^\W\d_]+|\d+", text.lower()) if w not in _FILLER]
    months = [_MONTHS[w] for w in words if w in _MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) != 1 or len(numbers) != 2 or len(words) != 3:
        return None
    years = [n for n in numbers if len(n) == 4]
    if len(years) == 1:
        day_text = numbers[1 - numbers.index(years[0])]
        year = int(years[0])
    elif not years and two_digit and all(len(n) <= 2 for n in numbers):
        day_text, year = numbers[0], 2000 + int(numbers[1])  # "16-Mar-27": the year is last
    else:
        return None
    if len(day_text) > 2:
        return None
    return _date(year, months[0], int(day_text))


def read_time(raw: str) -> time | None:
    """7:30, 07:30:00, 7:30 AM, 7.30pm, 0730."""
    text = raw.strip().replace(".", ":", 1) if re.match(r"^\d{1,2}\.\d{2}", raw) else raw.strip()
    found = _TIME.match(text)
    if not found:
        return None
    hour_text, minute, second, half = found.groups()
    hour = int(hour_text)
    if minute is None and len(hour_text) > 2:
        return None
    if minute is None and not half and len(hour_text) <= 2:
        return None  # a bare "7" is not a time anybody should guess
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
    try:
        return time(hour, int(minute or 0), int(second or 0))
    except ValueError:
        return None


_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?(?::(\d{2}))?\s*([ap]\.?m?\.?)?$", re.IGNORECASE)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
