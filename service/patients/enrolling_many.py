"""Enrolling many patients at once (a spreadsheet's new rows): each checked, compared
with the enrolled and audited exactly as `enroll_patient` does, but written in a few
statements for the lot (the records, their name index, their audit entries) instead of
about eight round trips a patient. A patient refused gets its error in its place and
nothing written; the others are enrolled."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.config import Settings
from service.errors import DomainError
from service.patients.folding import fold
from service.patients.models import Patient, PatientNameToken
from service.patients.repository import name_token_rows
from service.patients.schemas import PatientCreate
from service.patients.search import Likely, likely_duplicates_of_many
from service.patients.service import duplicate_refusal, enrollment_audit, new_patient
from service.writes import insert_rows, insert_rows_with_ids


def enroll_patients(
    session: Session,
    people: Sequence[PatientCreate],
    settings: Settings,
    actor: Actor,
    now: datetime,
    *,
    feed: str | None = None,
) -> list[Patient | DomainError]:
    """`enroll_patient` for each of `people`, in order: the enrolled record (in the
    session, with its id) or why not. An earlier patient of the same call counts as
    enrolled for the duplicate rule, as it would one call at a time."""
    results: list[Patient | DomainError] = []
    for data in people:
        try:
            results.append(new_patient(data, settings, now, feed=feed))
        except DomainError as refused:
            results.append(refused)
    fresh = [(i, r) for i, r in enumerate(results) if isinstance(r, Patient)]
    keys = [Likely(p.phone, fold(p.family_name), p.mrn, p.birth_date) for _, p in fresh]
    enrolled = likely_duplicates_of_many(session, keys)
    accepted: list[tuple[int, Patient]] = []
    seen: dict[tuple[object, ...], Patient] = {}  # the accepted, by what the rule compares
    earlier: list[tuple[int, Patient]] = []  # refused for an earlier patient of this call
    for (i, patient), key, found in zip(fresh, keys, enrolled, strict=True):
        data = people[i]
        refusal = duplicate_refusal(
            found, phone=patient.phone, mrn=patient.mrn, allow_duplicate=data.allow_duplicate
        )
        if refusal is not None:
            results[i] = refusal
            continue
        twin = _earlier(seen, key, data.allow_duplicate)
        if twin is not None:
            earlier.append((i, twin))
            continue
        accepted.append((i, patient))
        for seen_key in _keys(key):
            seen.setdefault(seen_key, patient)
    _insert(session, [p for _, p in accepted])
    audits = [enrollment_audit(actor, p, people[i], now, feed) for i, p in accepted]
    insert_rows(session, AuditEntry.__table__, audits)  # type: ignore[attr-defined]
    for i, twin in earlier:  # worded now that the earlier record has its id
        later = results[i]
        assert isinstance(later, Patient)
        results[i] = duplicate_refusal(
            [twin], phone=later.phone, mrn=later.mrn, allow_duplicate=False
        ) or DomainError("a likely duplicate of an earlier patient")
    return results


def _keys(key: Likely) -> list[tuple[object, ...]]:
    keys: list[tuple[object, ...]] = [("phone", key.phone, key.family)]
    if key.mrn:
        keys.append(("mrn", key.mrn))
    if key.birth_date is not None:
        keys.append(("born", key.family, key.birth_date))
    return keys


def _earlier(seen: dict[tuple[object, ...], Patient], key: Likely, allowed: bool) -> Patient | None:
    """An earlier patient of the same call the duplicate rule would find: the same MRN
    always; the same phone and family name, or family name and birth date, unless the
    caller confirmed (`allow_duplicate`)."""
    found = [seen[k] for k in _keys(key) if k in seen]
    same_mrn = [p for p in found if key.mrn and p.mrn == key.mrn]
    likely = same_mrn or ([] if allowed else found)
    return likely[0] if likely else None


def _insert(session: Session, patients: list[Patient]) -> None:
    """The records with their ids (`insert_rows_with_ids`), then their name index; each
    record then joins the session as if loaded, without another round trip."""
    if not patients:
        return
    table = Patient.__table__  # type: ignore[attr-defined]
    rows = [{c.name: getattr(p, c.name) for c in table.columns if c.name != "id"} for p in patients]
    ids = insert_rows_with_ids(session, table, rows)
    for patient, id_ in zip(patients, ids, strict=True):
        patient.id = id_
        make_transient_to_detached(patient)
        session.add(patient)
    tokens = [row for p in patients for row in name_token_rows(p)]
    insert_rows(session, PatientNameToken.__table__, tokens)  # type: ignore[attr-defined]
