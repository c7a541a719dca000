"""Correcting a patient's record, and what the correction does to the texts still to come.

One implementation for the API (`PATCH /v1/patients/{id}`), the console's edit page and
the feeds (an EHR's update message): `edit_patient` checks the version the change was
made on, re-plans the local times of texts still to come for a new zone (a 9am text
stays 9am), and audits the names of the fields changed, never their values. A new
language re-words those texts and a new phone is where they go, both simply because
texts are composed and addressed from the record when they are sent. `preview_edit`
runs the same change and rolls it back, to show staff what it does before they confirm.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service.audit.service import Actor, audit
from service.config import Settings
from service.errors import Conflict, InvalidInput, StaleRecord
from service.patients.models import Patient
from service.patients.phone import patients_phone
from service.patients.repository import changed_since, lock_patient, write_search_columns
from service.patients.schemas import PatientUpdate
from service.patients.search import normalise_mrn, opted_out_since
from service.patients.service import check_birth_date, get_patient, refuse_likely_duplicate
from service.procedures.models import Procedure
from service.procedures.reconcile import lock_procedure, reconcile, reminders_of
from service.procedures.wording import pending_texts
from service.records.repository import procedures_with_texts_to_come
from service.timeline.active import active_plan
from service.timeline.plan import TimelinePlan

LATE_AFTER_ZONE_CHANGE = "the patient's time zone changed and this reminder's new time had passed"
_REQUIRED = ("given_name", "family_name", "phone", "timezone", "language")
_IDENTITY = ("given_name", "family_name", "phone")
_DUPLICATE_KEYS = ("family_name", "phone", "mrn", "birth_date")


@dataclass(frozen=True)
class EditResult:
    patient: Patient
    changed: list[str]  # names of the fields that changed (none: nothing to save)
    # When the new phone replied STOP (texts to it stay stopped until it texts START).
    new_phone_opted_out_since: datetime | None = None


@dataclass(frozen=True)
class TextAfterEdit:
    """One text still to come, before and after the change (None: not sent any more)."""

    procedure_id: int
    steps: tuple[str, ...]
    was_due_at: datetime | None
    due_at: datetime | None
    was_text: str | None
    text: str | None


@dataclass(frozen=True)
class EditPreview:
    changed: list[str]
    was_timezone: str
    timezone: str
    texts: list[TextAfterEdit]
    new_phone_opted_out_since: datetime | None
    version: int  # the version the change is made on: send it back to confirm


def edit_patient(
    session: Session,
    patient_id: int,
    changes: PatientUpdate,
    settings: Settings,
    actor: Actor | None,
    now: datetime,
    *,
    expected_version: int | None,
) -> EditResult:
    """Change the fields sent in `changes`, made on `expected_version` (None only for a
    feed that has no version to send: the EHR's record wins). Audited; refused whole."""
    patient = lock_patient(session, patient_id)
    if patient.merged_into_id is not None:
        raise Conflict(
            f"patient {patient_id} was merged into patient {patient.merged_into_id}; "
            "change that record",
            field="patient_id",
        )
    if expected_version is not None and expected_version != patient.version:
        changed = changed_since(session, patient_id, expected_version)
        raise StaleRecord(
            f"patient {patient_id} was changed since version {expected_version}"
            + (f" ({', '.join(changed)})" if changed else "")
            + ": read it again",
            current_version=patient.version,
            changed_fields=changed,
            field="expected_version",
        )
    wanted = _resolved(changes, settings, now)
    changed = [name for name, value in wanted.items() if getattr(patient, name) != value]
    if not changed:
        return EditResult(patient, [])
    if "phone" in changed and changes.sms_consent is not True:
        raise InvalidInput(
            "a new phone number needs the patient's consent to texts on it "
            "(sms_consent: true with the change)",
            field="sms_consent",
        )
    if any(name in changed for name in _DUPLICATE_KEYS):
        refuse_likely_duplicate(
            session,
            phone=wanted.get("phone", patient.phone),
            family_name=wanted.get("family_name", patient.family_name),
            mrn=wanted.get("mrn", patient.mrn),
            birth_date=wanted.get("birth_date", patient.birth_date),
            allow_duplicate=changes.allow_duplicate,
            not_id=patient_id,
        )
    for name in changed:
        setattr(patient, name, wanted[name])
    if "phone" in changed:
        patient.sms_consent, patient.consent_recorded_at = True, now
    patient.version += 1
    session.add(patient)
    try:
        session.flush()
    except IntegrityError:
        taken = f"MRN {patient.mrn} was just given to another patient"
        raise Conflict(taken, field="mrn") from None
    if any(name in changed for name in _IDENTITY):
        write_search_columns(session, patient)
    if "timezone" in changed:
        _replan_local_times(session, patient, active_plan(settings, session), now)
    audit(
        session,
        actor,
        "update",
        "patient",
        patient_id,
        patient_id,
        at=now,
        fields=changed,
        after={"version": patient.version},
    )
    stopped = opted_out_since(session, [patient.phone]) if "phone" in changed else {}
    return EditResult(patient, changed, stopped.get(patient.phone))


def _resolved(changes: PatientUpdate, settings: Settings, now: datetime) -> dict[str, Any]:
    """The sent fields as they would be stored (E.164 phone, upper-case MRN)."""
    wanted = changes.changed_fields()
    for name in _REQUIRED:
        if name in wanted and wanted[name] is None:
            raise InvalidInput("cannot be removed, only changed", field=name)
    if wanted.get("phone") is not None:
        wanted["phone"] = patients_phone(wanted["phone"], settings.clinic_phone_region)
    if wanted.get("mrn") is not None:
        wanted["mrn"] = normalise_mrn(wanted["mrn"])
    if "birth_date" in wanted:
        check_birth_date(wanted["birth_date"], now)
    return wanted


def _replan_local_times(
    session: Session, patient: Patient, plan: TimelinePlan, now: datetime
) -> None:
    """Texts still to come keep their local time in the new zone; each procedure
    takes its row lock, as a reschedule does."""
    assert patient.id is not None
    zone = ZoneInfo(patient.timezone)
    for procedure in procedures_with_texts_to_come(session, patient.id):
        lock_procedure(session, procedure)
        reconcile(session, procedure, zone, plan, now, LATE_AFTER_ZONE_CHANGE)


def preview_edit(
    session: Session,
    patient_id: int,
    changes: PatientUpdate,
    settings: Settings,
    actor: Actor | None,
    now: datetime,
    *,
    expected_version: int | None,
) -> EditPreview:
    """What `edit_patient` would do to the texts still to come: the change is made in a
    savepoint, read, and rolled back (a refusal raises the same error)."""
    patient = get_patient(session, patient_id)
    plan = active_plan(settings, session)
    procedures = procedures_with_texts_to_come(session, patient_id)
    was_timezone, version = patient.timezone, patient.version
    before = _texts(session, procedures, patient, plan, settings)
    savepoint = session.begin_nested()
    try:
        result = edit_patient(
            session, patient_id, changes, settings, actor, now, expected_version=expected_version
        )
        after = _texts(session, procedures, result.patient, plan, settings)
        timezone = result.patient.timezone
    finally:
        savepoint.rollback()  # every effect of the trial, row locks included
    return EditPreview(
        changed=result.changed,
        was_timezone=was_timezone,
        timezone=timezone,
        texts=_compared(before, after),
        new_phone_opted_out_since=result.new_phone_opted_out_since,
        version=version,
    )


_Slot = tuple[int, tuple[str, ...], datetime, str]
# A text by its first reminder, and which of that reminder's texts it is (a step cut to fit
# the segment limit goes out as two texts, the second a minute later).
_SlotKey = tuple[int, int]


def _texts(
    session: Session,
    procedures: list[Procedure],
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
) -> dict[_SlotKey, _Slot]:
    """Each pending text by its first reminder: procedure, steps, due time, words."""
    out: dict[_SlotKey, _Slot] = {}
    session.flush()
    for procedure in procedures:
        assert procedure.id is not None
        reminders = reminders_of(session, procedure.id)
        for slot in pending_texts(session, procedure, patient, plan, settings, reminders):
            first = slot.reminder_ids[0]
            key = (first, sum(1 for known, _ in out if known == first))
            out[key] = (procedure.id, slot.steps, slot.due_at, slot.text.body)
    return out


def _compared(before: dict[_SlotKey, _Slot], after: dict[_SlotKey, _Slot]) -> list[TextAfterEdit]:
    rows = []
    for key, (procedure_id, steps, due_at, text) in after.items():
        was = before.get(key)
        if was is not None and (was[2], was[3]) == (due_at, text):
            continue
        rows.append(
            TextAfterEdit(
                procedure_id,
                steps,
                was[2] if was else None,
                due_at,
                was[3] if was else None,
                text,
            )
        )
    for key, (procedure_id, steps, due_at, text) in before.items():
        if key not in after:
            rows.append(TextAfterEdit(procedure_id, steps, due_at, None, text, None))
    rows.sort(key=lambda r: (_when(r), r.steps))
    return rows


def _when(row: TextAfterEdit) -> datetime:
    when = row.due_at or row.was_due_at
    assert when is not None  # a row has a time before, after or both
    return when
