"""Merging a second record of a patient into the one kept.

The duplicate's procedures (with their texts and visits), its conversation and so its
inbox items, and every other table listed in `RECORDS_OF_A_PATIENT`, become the kept
record's; the duplicate stays as a tombstone (`merged_into_id`) so old links and API
clients still find the patient. One implementation for the API, the console and an
EHR's merge message; `preview_merge` says what would move without moving it.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from service.audit.service import Actor, audit
from service.errors import Conflict, InvalidInput, StaleRecord
from service.patients.models import Patient
from service.patients.repository import lock_patient, write_search_columns
from service.patients.service import get_patient
from service.records.repository import (
    count_records,
    move_records,
    procedures_with_texts_to_come,
    unhandled_replies,
)

# Fields the kept record takes from the duplicate when it has none of its own.
_FILLED_FROM_DUPLICATE = ("mrn", "birth_date")


@dataclass(frozen=True)
class MergePreview:
    kept: Patient
    duplicate: Patient
    # Rows that would move, by table: procedure, reminder, appointment, message, ...
    moves: dict[str, int]
    inbox_items: int
    filled: list[str] = field(default_factory=list)  # fields the kept record would take


def preview_merge(session: Session, kept_id: int, duplicate_id: int) -> MergePreview:
    """What merging `duplicate_id` into `kept_id` would move; refused as the merge is."""
    kept, duplicate = get_patient(session, kept_id), _duplicate(session, kept_id, duplicate_id)
    _refuse_wrong_merge(session, kept, duplicate)
    return MergePreview(
        kept=kept,
        duplicate=duplicate,
        moves=count_records(session, duplicate_id),
        inbox_items=unhandled_replies(session, duplicate_id),
        filled=_filled(kept, duplicate),
    )


def merge_patients(
    session: Session,
    kept_id: int,
    duplicate_id: int,
    actor: Actor | None,
    now: datetime,
    *,
    expected_version: int | None = None,
) -> Patient:
    """Move everything of `duplicate_id` to `kept_id` and leave a tombstone; audited on
    both records. `expected_version` is the kept record's, as for an edit."""
    _duplicate(session, kept_id, duplicate_id)
    # Both row locks, lower id first, so two merges of the same pair cannot deadlock.
    first, second = sorted((kept_id, duplicate_id))
    locked = {first: lock_patient(session, first), second: lock_patient(session, second)}
    kept, duplicate = locked[kept_id], locked[duplicate_id]
    if expected_version is not None and expected_version != kept.version:
        raise StaleRecord(
            f"patient {kept_id} was changed since version {expected_version}: read it again",
            current_version=kept.version,
            changed_fields=[],
            field="expected_version",
        )
    _refuse_wrong_merge(session, kept, duplicate)
    moved = [name for name, count in count_records(session, duplicate_id).items() if count]
    filled = _filled(kept, duplicate)
    move_records(session, duplicate_id, kept_id)
    taken = {name: getattr(duplicate, name) for name in filled}
    duplicate.mrn = None if "mrn" in filled else duplicate.mrn
    duplicate.merged_into_id, duplicate.merged_at = kept_id, now
    duplicate.version += 1
    session.add(duplicate)
    session.flush()  # the MRN leaves the tombstone before the kept record takes it
    for name, value in taken.items():
        setattr(kept, name, value)
    kept.version += 1
    session.add(kept)
    write_search_columns(session, duplicate)  # a tombstone is never found by search
    audit(
        session,
        actor,
        "merge",
        "patient",
        kept_id,
        kept_id,
        at=now,
        fields=[*moved, *filled],
        after={"version": kept.version, "merged_from": duplicate_id},
    )
    audit(
        session,
        actor,
        "merge",
        "patient",
        duplicate_id,
        duplicate_id,
        at=now,
        fields=["merged_into"],
        after={"version": duplicate.version, "merged_into": kept_id},
    )
    return kept


def _duplicate(session: Session, kept_id: int, duplicate_id: int) -> Patient:
    if kept_id == duplicate_id:
        raise InvalidInput("a record cannot be merged into itself", field="duplicate_id")
    return get_patient(session, duplicate_id)


def _refuse_wrong_merge(session: Session, kept: Patient, duplicate: Patient) -> None:
    """A merge that cannot be right: a record already merged, or two procedures whose
    texts would both still go out (the patient would get two timelines)."""
    if duplicate.merged_into_id is not None:
        raise Conflict(
            f"patient {duplicate.id} was already merged into patient {duplicate.merged_into_id}",
            field="duplicate_id",
        )
    if kept.merged_into_id is not None:
        raise Conflict(
            f"patient {kept.id} was itself merged into patient {kept.merged_into_id}; "
            "merge into that record",
            field="patient_id",
        )
    assert kept.id is not None and duplicate.id is not None
    ours = procedures_with_texts_to_come(session, kept.id)
    theirs = procedures_with_texts_to_come(session, duplicate.id)
    if ours and theirs:
        raise Conflict(
            f"both records have a procedure with texts still to come (procedure "
            f"{ours[0].id} and procedure {theirs[0].id}); cancel the one booked twice, "
            "then merge",
            field="duplicate_id",
        )


def _filled(kept: Patient, duplicate: Patient) -> list[str]:
    return [
        name
        for name in _FILLED_FROM_DUPLICATE
        if getattr(kept, name) is None and getattr(duplicate, name) is not None
    ]
