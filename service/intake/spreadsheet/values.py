"""One row's cells read into a patient and a procedure time, or the problems with it,
each naming the file's column. Dates in the clinic region's order (CLINIC_PHONE_REGION:
3/16/1950 in the US, 16/03/1950 elsewhere; ISO anywhere; dates.py), times as the clinic's
wall time."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from service.config import Settings
from service.errors import InvalidInput
from service.intake.people import IncomingPatient, language_code
from service.intake.spreadsheet.columns import LABELS, Column, Mapping_
from service.intake.spreadsheet.dates import is_midnight, read_date, read_time, split_time
from service.patients.phone import patients_phone
from service.patients.search import normalise_mrn


@dataclass
class RowIn:
    """A row read: `number` is the spreadsheet's row number (the header is row 1)."""

    number: int
    cells: list[str]
    person: IncomingPatient | None = None
    starts_at: datetime | None = None  # the clinic's wall time, naive
    errors: list[str] = field(default_factory=list)


def read_row(number: int, cells: list[str], mapping: Mapping_, settings: Settings) -> RowIn:
    row = RowIn(number, cells)

    def cell(column: Column) -> str:
        index = mapping.get(column)
        return cells[index].strip() if index is not None else ""

    def refuse(column: Column, message: str) -> None:
        header = LABELS[column]
        row.errors.append(f"{header}: {message}")

    given, family = cell(Column.given_name), cell(Column.family_name)
    if not (given or family) and cell(Column.full_name):
        family, _, given = (part.strip() for part in cell(Column.full_name).partition(","))
        if not given:  # "Maria Garcia": the last word is the family name
            *first, family = family.split() or [""]
            given = " ".join(first)
    if not given:
        refuse(Column.given_name, "missing")
    if not family:
        refuse(Column.family_name, "missing")
    phone = None
    if not cell(Column.phone):
        refuse(Column.phone, "missing")
    else:
        try:
            phone = patients_phone(cell(Column.phone), settings.clinic_phone_region)
        except InvalidInput:
            # The message would repeat the number; the row and column say which it is.
            refuse(Column.phone, "not a mobile number that can take texts")
    birth = None
    if cell(Column.birth_date):
        birth = read_date(cell(Column.birth_date), settings.clinic_phone_region, two_digit=False)
        if birth is None:
            refuse(Column.birth_date, f"{cell(Column.birth_date)!r} is not a date")
    language = None
    if cell(Column.language):
        language = _language(cell(Column.language))
        if language is None:
            refuse(Column.language, f"{cell(Column.language)!r} is not a language we know")
    starts_at = _procedure_time(cell(Column.procedure_date), cell(Column.procedure_time), settings)
    if isinstance(starts_at, str):
        refuse(Column.procedure_time if "time" in starts_at else Column.procedure_date, starts_at)
    else:
        row.starts_at = starts_at
    mrn = normalise_mrn(cell(Column.mrn)) if cell(Column.mrn) else None
    if not row.errors:
        row.person = IncomingPatient(given, family, phone, mrn or None, language, birth)
    return row


@lru_cache(maxsize=256)
def _language(text: str) -> str | None:
    """A file repeats a handful of languages on every row: each is looked up once."""
    return language_code(text, text)


def _procedure_time(day_text: str, time_text: str, settings: Settings) -> datetime | str:
    if not day_text:
        return "missing"
    region = settings.clinic_phone_region
    at = read_time(time_text) if time_text else None
    if time_text and at is None:
        return f"{time_text!r} is not a time"
    # "03/16/2027 7:30 AM" or "2027-03-16T07:30": the date and the time in one cell. The
    # "0:00" an export attaches to a date is no time at all: the time column, or nothing.
    head, tail = split_time(day_text)
    day = read_date(head, region, two_digit=True)
    if day is None:
        return f"{day_text!r} is not a date"
    if at is None and tail and not is_midnight(tail):
        at = read_time(tail)
        if at is None:
            return f"{tail!r} is not a time"
    if at is None:
        return "the procedure time is missing"
    return datetime.combine(day, at)
