"""Finding a patient the way the front desk does: by name, phone number or MRN.

Every word typed must start the given or the family name ("mar lop" finds Maria Lopez);
a query that reads as a phone number also finds that number, and one that is an MRN
finds that record. Each branch is an index lookup (the lower-cased name indexes with
text_pattern_ops, `ix_patient_phone`, the MRN's unique index), so the search stays fast
however many patients the clinic has.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import ColumnElement, and_, false, func, or_, true
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.errors import InvalidInput
from service.optouts.models import PhoneOptOut
from service.patients.models import Patient

MAX_WORDS = 4
_WORD = re.compile(r"[^\s,]+")


@dataclass(frozen=True)
class PatientPage:
    """One page of a search, with how many patients match in all."""

    patients: list[Patient]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.patients)
        return following if following < self.total else None


def normalise_mrn(raw: str) -> str:
    """MRNs compare without surrounding spaces and case: 'ab-123 ' is 'AB-123'."""
    return raw.strip().upper()


def search_patients(
    session: Session, q: str, phone_region: str, *, limit: int = 50, offset: int = 0
) -> PatientPage:
    """Patients matching `q` by family name, then given name; empty `q` lists everyone."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in q):
        raise InvalidInput("must not contain control characters", field="q")
    condition = _matches(q, phone_region)
    total = session.exec(select(func.count()).select_from(Patient).where(condition)).one()
    rows = session.exec(search_query(condition).limit(limit).offset(offset))
    return PatientPage(list(rows), int(total), limit, offset)


def search_query(condition: ColumnElement[bool]) -> SelectOfScalar[Patient]:
    """Matching patients in the order staff scan them (see `matches`)."""
    return (
        select(Patient)
        .where(condition)
        .order_by(
            func.lower(col(Patient.family_name)),
            func.lower(col(Patient.given_name)),
            col(Patient.id),
        )
    )


def matches(q: str, phone_region: str) -> ColumnElement[bool]:
    """The condition `search_patients` reads with (for query plans and tests)."""
    return _matches(q, phone_region)


def _matches(q: str, phone_region: str) -> ColumnElement[bool]:
    q = q.strip()
    if not q:
        return true()
    branches: list[ColumnElement[bool]] = []
    words = [w.lower() for w in _WORD.findall(q)][:MAX_WORDS]
    name_words = [w for w in words if any(ch.isalpha() for ch in w)]
    if name_words:
        branches.append(and_(*(_name_starts_with(w) for w in name_words)))
    phone = _as_phone(q, phone_region)
    if phone is not None:
        branches.append(col(Patient.phone) == phone)
    if len(q) <= 40:
        branches.append(col(Patient.mrn) == normalise_mrn(q))
    return or_(*branches) if branches else false()


def _name_starts_with(word: str) -> ColumnElement[bool]:
    pattern = _escape_like(word) + "%"
    return or_(
        func.lower(col(Patient.family_name)).like(pattern, escape="\\"),
        func.lower(col(Patient.given_name)).like(pattern, escape="\\"),
    )


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _as_phone(q: str, region: str) -> str | None:
    digits = sum(ch.isdigit() for ch in q)
    if digits < 7 or any(ch.isalpha() for ch in q):
        return None
    try:
        number = phonenumbers.parse(q, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def likely_duplicates(
    session: Session, *, phone: str, family_name: str, mrn: str | None
) -> Sequence[Patient]:
    """Patients who are probably this one: the same phone and family name, or the same MRN."""
    same_person = and_(
        col(Patient.phone) == phone,
        func.lower(col(Patient.family_name)) == family_name.strip().lower(),
    )
    condition = or_(same_person, col(Patient.mrn) == mrn) if mrn else same_person
    return list(session.exec(select(Patient).where(condition).order_by(col(Patient.id))))


def opted_out_since(session: Session, phones: Sequence[str]) -> dict[str, datetime]:
    """Which of these numbers replied STOP (and still have), and since when."""
    if not phones:
        return {}
    rows = session.exec(
        select(PhoneOptOut).where(
            col(PhoneOptOut.phone).in_(sorted(set(phones))), col(PhoneOptOut.opted_out)
        )
    )
    return {row.phone: row.changed_at for row in rows}
