"""Finding a patient the way the front desk types them: any part of any name, the end
of a phone number, an MRN or a date of birth.

Every name word typed must start one of the patient's folded name tokens
(`folding.name_tokens`: "nun" finds Núñez, "obrien" and "o brien" find O'Brien); a
query of digits finds the phones ending with them; one that is an MRN finds that
record; a date (1950-03-16, or 3/16/1950 read in the clinic's region) finds that date
of birth. Each branch is an index lookup (`ix_patient_name_token_token`,
`ix_patient_phone_reversed`, the MRN's unique index, `ix_patient_birth_date`), so the
search stays fast however many patients the clinic has. Merged records (tombstones)
are never found.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, true
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.errors import InvalidInput
from service.optouts.models import PhoneOptOut
from service.patients.folding import (
    birth_date_typed,
    fold,
    phone_ending,
)
from service.patients.models import Patient, PatientNameToken

MAX_WORDS = 4


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
    condition = matches(q, phone_region)
    total = session.exec(select(func.count()).select_from(Patient).where(condition)).one()
    rows = session.exec(search_query(condition).limit(limit).offset(offset))
    return PatientPage(list(rows), int(total), limit, offset)


def search_query(condition: ColumnElement[bool]) -> SelectOfScalar[Patient]:
    """Matching patients in the order staff scan them (see `matches`)."""
    return (
        select(Patient)
        .where(condition)
        .order_by(col(Patient.family_name_folded), col(Patient.given_name_folded), col(Patient.id))
    )


def matches(q: str, phone_region: str) -> ColumnElement[bool]:
    """The condition `search_patients` reads with (for query plans and tests)."""
    return and_(col(Patient.merged_into_id).is_(None), _matches(q, phone_region))


def _matches(q: str, phone_region: str) -> ColumnElement[bool]:
    q = q.strip()
    if not q:
        return true()
    branches: list[ColumnElement[bool]] = []
    dates: list[date] = []
    names: list[str] = []
    unread = 0  # words that are neither a name nor a date ("(312)")
    for word in q.split()[:MAX_WORDS]:
        typed_date = birth_date_typed(word, phone_region)
        folded = fold(word)
        if typed_date is not None:
            dates.append(typed_date)
        elif any(ch.isalpha() for ch in folded):
            names.append(folded)
        elif folded:
            unread += 1
    if (names or dates) and len(dates) <= 1 and not unread:
        # "garcia 1950-03-16": every name word and the date must match.
        parts = [_name_starts_with(w) for w in names]
        parts += [col(Patient.birth_date) == d for d in dates]
        branches.append(and_(*parts))
    ending = phone_ending(q)
    if ending is not None:
        pattern = ending[::-1] + "%"
        branches.append(col(Patient.phone_reversed).like(pattern))
    if len(q) <= 40:
        branches.append(col(Patient.mrn) == normalise_mrn(q))
    return or_(*branches) if branches else false()


def _name_starts_with(word: str) -> ColumnElement[bool]:
    # Folded words are letters and digits only: nothing for LIKE to escape.
    tokens = select(PatientNameToken.patient_id).where(col(PatientNameToken.token).like(word + "%"))
    return col(Patient.id).in_(tokens)


def likely_duplicates(
    session: Session,
    *,
    phone: str,
    family_name: str,
    mrn: str | None,
    birth_date: date | None = None,
    not_id: int | None = None,
) -> Sequence[Patient]:
    """Records that are probably this patient: the same phone and folded family name,
    the same folded family name and date of birth, or the same MRN. A merged record
    counts as the record it was merged into."""
    family = fold(family_name)
    conditions: list[ColumnElement[bool]] = [
        and_(col(Patient.phone) == phone, col(Patient.family_name_folded) == family)
    ]
    if birth_date is not None:
        conditions.append(
            and_(col(Patient.family_name_folded) == family, col(Patient.birth_date) == birth_date)
        )
    if mrn:
        conditions.append(col(Patient.mrn) == mrn)
    found = list(session.exec(select(Patient).where(or_(*conditions)).order_by(col(Patient.id))))
    kept_ids = {p.merged_into_id for p in found if p.merged_into_id is not None}
    kept = {p.id: p for p in found if p.merged_into_id is None}
    for kept_id in kept_ids - set(kept):
        record = session.get(Patient, kept_id)
        if record is not None and record.merged_into_id is None:
            kept[kept_id] = record
    return [p for pid, p in sorted(kept.items(), key=lambda i: i[0] or 0) if pid != not_id]


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
