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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, func, or_, union
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
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
    found = matching(q, phone_region)
    if found is None:  # an empty search lists every patient
        total = session.exec(select(func.count()).select_from(Patient).where(_not_merged())).one()
        rows = session.exec(search_query(_not_merged()).limit(limit).offset(offset))
        return PatientPage(list(rows), int(total), limit, offset)
    # Counted and put in order from the matches alone (ids and folded names, read from
    # the indexes) in one statement: only the page's own patients are then read.
    matches_ = found.subquery()
    page = session.exec(
        select(matches_.c.patient_id, func.count().over())
        .order_by(matches_.c.family, matches_.c.given, matches_.c.patient_id)
        .limit(limit)
        .offset(offset)
    ).all()
    # Past the last page (or nothing found), the count alone.
    counted = select(func.count()).select_from(matches_)
    total = page[0][1] if page else session.exec(counted).one()
    page_ids = [patient_id for patient_id, _ in page]
    patients = list(session.exec(search_query(col(Patient.id).in_(page_ids)))) if page_ids else []
    return PatientPage(patients, int(total), limit, offset)


def search_query(condition: ColumnElement[bool]) -> SelectOfScalar[Patient]:
    """Matching patients in the order staff scan them (see `matches`)."""
    return (
        select(Patient)
        .where(condition)
        .order_by(col(Patient.family_name_folded), col(Patient.given_name_folded), col(Patient.id))
    )


def matches(q: str, phone_region: str) -> ColumnElement[bool]:
    """Whether a patient is one `q` finds (for query plans and tests)."""
    found = matching(q, phone_region)
    if found is None:
        return _not_merged()
    return col(Patient.id).in_(sa_select(found.subquery().c.patient_id))


def _not_merged() -> ColumnElement[bool]:
    return col(Patient.merged_into_id).is_(None)


def matching(q: str, phone_region: str) -> Select[Any] | None:
    """The patients `q` finds, once each, as (patient_id, family, given) with the folded
    names they sort by; None for an empty `q`.

    Each way of matching is its own set, united: PostgreSQL reads each from its index
    (an OR across subqueries would make it scan every patient).
    """
    q = q.strip()
    if not q:
        return None
    branches: list[Select[Any]] = []
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
        branches.append(_names_and_birth_date(names, dates[0] if dates else None))
    ending = phone_ending(q)
    if ending is not None:
        branches.append(_patients(col(Patient.phone_reversed).like(ending[::-1] + "%")))
    if len(q) <= 40:
        branches.append(_patients(col(Patient.mrn) == normalise_mrn(q)))
    if not branches:  # e.g. a long run of punctuation: nobody
        return _patients(false())
    if len(branches) == 1:
        return branches[0].distinct()
    return union(*branches)  # type: ignore[return-value]


def _patients(condition: ColumnElement[bool]) -> Select[Any]:
    return sa_select(  # type: ignore[return-value]
        col(Patient.id).label("patient_id"),
        col(Patient.family_name_folded).label("family"),
        col(Patient.given_name_folded).label("given"),
    ).where(condition, _not_merged())


def _names_and_birth_date(names: list[str], birth_date: date | None) -> Select[Any]:
    """Patients with a name starting with each word, born on `birth_date` if given.

    The longest word (likely the rarest) is read from the token index; every other word
    and the date are then checked per patient, through the token table's primary key
    and the patient's, instead of intersecting two long lists.
    """
    if not names:
        assert birth_date is not None
        return _patients(col(Patient.birth_date) == birth_date)
    first, *others = sorted(names, key=len, reverse=True)
    found = _name_starts_with(first)
    for word in others:
        other = aliased(PatientNameToken)
        found = found.where(
            exists().where(
                col(other.patient_id) == col(PatientNameToken.patient_id),
                col(other.token).like(word + "%"),
            )
        )
    if birth_date is not None:
        born = sa_select(col(Patient.id)).where(col(Patient.birth_date) == birth_date)
        found = found.where(col(PatientNameToken.patient_id).in_(born))
    return found


def _name_starts_with(word: str) -> Select[Any]:
    # Folded words are letters and digits only: nothing for LIKE to escape. A merged
    # record has no tokens (see `repository.write_search_columns`).
    return sa_select(  # type: ignore[return-value]
        col(PatientNameToken.patient_id).label("patient_id"),
        col(PatientNameToken.family_name_folded).label("family"),
        col(PatientNameToken.given_name_folded).label("given"),
    ).where(col(PatientNameToken.token).like(word + "%"))


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
    one = Likely(phone, fold(family_name), mrn, birth_date)
    params = {"phone": phone, "mrn": mrn, "birth_date": birth_date, "family": one.family}
    rows = {p.id or 0: p for p in session.exec(_LIKELY_ONE, params=params)}
    return [p for p in _matching(session, rows, [one])[0] if p.id != not_id]


# The same rule for one patient (every enrollment), as one statement built once. A NULL
# MRN or date of birth matches nothing, as the many-patient query leaves them out.
_LIKELY_ONE = select(Patient).where(
    or_(
        col(Patient.phone) == bindparam("phone"),
        col(Patient.mrn) == bindparam("mrn"),
        and_(
            col(Patient.birth_date) == bindparam("birth_date"),
            col(Patient.family_name_folded) == bindparam("family"),
        ),
    )
)


@dataclass(frozen=True)
class Likely:
    """What the duplicate rule compares: `family` folded, `mrn` normalised."""

    phone: str
    family: str
    mrn: str | None
    birth_date: date | None

    def matches(self, patient: Patient) -> bool:
        if self.mrn is not None and patient.mrn == self.mrn:
            return True
        if patient.family_name_folded != self.family:
            return False
        born = self.birth_date is not None and patient.birth_date == self.birth_date
        return patient.phone == self.phone or born


_LIKELY_PER_QUERY = 200  # up to 4 values each: under SQLite's oldest limit of 999


def likely_duplicates_of_many(session: Session, wanted: Sequence[Likely]) -> list[list[Patient]]:
    """`likely_duplicates` for many patients at once (a spreadsheet's new rows), in a
    query per 200: each list in id order, merged records replaced by their survivor."""
    found: dict[int, Patient] = {}
    for start in range(0, len(wanted), _LIKELY_PER_QUERY):
        part = wanted[start : start + _LIKELY_PER_QUERY]
        mrns = {w.mrn for w in part if w.mrn}
        births = {w.birth_date for w in part if w.birth_date is not None}
        conditions: list[ColumnElement[bool]] = [col(Patient.phone).in_({w.phone for w in part})]
        if mrns:
            conditions.append(col(Patient.mrn).in_(mrns))
        if births:
            conditions.append(
                and_(
                    col(Patient.birth_date).in_(births),
                    col(Patient.family_name_folded).in_({w.family for w in part}),
                )
            )
        for patient in session.exec(select(Patient).where(or_(*conditions))):
            found[patient.id or 0] = patient
    return _matching(session, found, wanted)


def _matching(
    session: Session, found: dict[int, Patient], wanted: Sequence[Likely]
) -> list[list[Patient]]:
    """Each wanted patient's likely records among `found` (read by id), survivors of
    merged records read in."""
    survivors = {p.merged_into_id for p in found.values() if p.merged_into_id is not None}
    for kept_id in survivors - set(found):
        record = session.get(Patient, kept_id)
        if record is not None:
            found[kept_id] = record
    # Each patient's candidates by the keys the rule compares, not every row against all.
    index: dict[object, list[Patient]] = defaultdict(list)
    for patient in found.values():
        index[("phone", patient.phone)].append(patient)
        if patient.mrn:
            index[("mrn", patient.mrn)].append(patient)
        if patient.birth_date is not None:
            index[(patient.family_name_folded, patient.birth_date)].append(patient)
    answers = []
    for one in wanted:
        kept: dict[int, Patient] = {}
        for key in (("phone", one.phone), ("mrn", one.mrn), (one.family, one.birth_date)):
            for patient in index.get(key, ()):
                if not one.matches(patient):
                    continue
                record = found.get(patient.merged_into_id) if patient.merged_into_id else patient
                if record is not None and record.merged_into_id is None:
                    kept[record.id or 0] = record
        answers.append([kept[i] for i in sorted(kept)])
    return answers


def opted_out_since(session: Session, phones: Sequence[str]) -> dict[str, datetime]:
    """Which of these numbers replied STOP (and still have), and since when."""
    if not phones:
        return {}
    rows = session.exec(_OPTED_OUT, params={"phones": sorted(set(phones))})
    return {phone: changed_at for phone, changed_at in rows}


# Read by every enrollment's answer: built once, plain columns.
_OPTED_OUT = select(PhoneOptOut.phone, PhoneOptOut.changed_at).where(
    col(PhoneOptOut.phone).in_(bindparam("phones", expanding=True)), col(PhoneOptOut.opted_out)
)


def names_by_id(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """'Given Family' of each patient id (for an admin's lists, e.g. the audit)."""
    if not ids:
        return {}
    rows = session.exec(
        select(Patient.id, Patient.given_name, Patient.family_name).where(
            col(Patient.id).in_(sorted(set(ids)))
        )
    )
    return {pid: f"{given} {family}" for pid, given, family in rows if pid is not None}
