"""Enrolling patients and finding them again; correcting a record is `edits.py`,
merging two is `merging.py`."""

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.audit.service import Actor, audit_entry_row
from service.config import Settings
from service.errors import Conflict, InvalidInput, LikelyDuplicate, NotFound
from service.patients.models import Patient
from service.patients.phone import patients_phone, to_e164
from service.patients.repository import fold_search_columns, write_search_columns
from service.patients.schemas import PatientCreate, PatientPublic
from service.patients.search import likely_duplicates, normalise_mrn, opted_out_since
from service.validation import canonical_zone
from service.writes import add_now, insert_row

MAX_AGE_YEARS = 120


def zone_named(name: str, *, field: str = "timezone") -> ZoneInfo:
    """A canonical IANA zone, or InvalidInput naming `field` with the nearest valid name."""
    try:
        return ZoneInfo(canonical_zone(name))
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def enroll_patient(
    session: Session,
    data: PatientCreate,
    settings: Settings,
    actor: Actor,
    now: datetime,
    *,
    feed: str | None = None,
) -> Patient:
    """Enroll a patient who agreed to texts, unless a likely record of them exists; audited.

    `feed` ("hl7", "fhir", "csv"): a system enrolls the patient and carries no consent:
    INTAKE_SMS_CONSENT decides (`on_file`: consented, attested by the feed; `ask`: the
    first text asks for YES and nothing else is sent until it comes)."""
    patient = new_patient(data, settings, now, feed=feed)
    refuse_likely_duplicate(
        session,
        phone=patient.phone,
        family_name=data.family_name,
        mrn=patient.mrn,
        birth_date=data.birth_date,
        allow_duplicate=data.allow_duplicate,
    )
    try:
        add_now(session, patient)
    except IntegrityError:
        if patient.mrn is None:
            raise
        # Only the MRN is unique: someone enrolled it at the same moment. The caller's
        # transaction is rolled back with the error, so nothing is half-written.
        raise Conflict(
            f"MRN {patient.mrn} was just given to another patient", field="mrn"
        ) from None
    write_search_columns(session, patient, new=True)
    insert_row(session, AuditEntry, enrollment_audit(actor, patient, data, now, feed))
    return patient


def new_patient(
    data: PatientCreate, settings: Settings, now: datetime, *, feed: str | None
) -> Patient:
    """The record `data` enrolls, checked (consent, zone, phone, date of birth) but not
    yet compared with the enrolled (`refuse_likely_duplicate`) nor added to a session."""
    waiting = feed is not None and settings.intake_sms_consent == "ask"
    if feed is None and not data.sms_consent:
        raise InvalidInput(
            "the patient must agree to receive text messages (sms_consent: true)",
            field="sms_consent",
        )
    zone = zone_named(data.timezone) if data.timezone else settings.clinic_zone
    phone = patients_phone(data.phone, settings.clinic_phone_region)
    mrn = normalise_mrn(data.mrn) if data.mrn else None
    check_birth_date(data.birth_date, now)
    patient = Patient(
        given_name=data.given_name,
        family_name=data.family_name,
        phone=phone,
        mrn=mrn,
        birth_date=data.birth_date,
        timezone=zone.key,
        language=data.language or settings.default_language,
        sms_consent=not waiting,
        consent_source=feed,
        awaiting_yes_since=now if waiting else None,
        consent_recorded_at=now,
        created_at=now,
    )
    fold_search_columns(patient)
    return patient


def enrollment_audit(
    actor: Actor, patient: Patient, data: PatientCreate, now: datetime, feed: str | None
) -> dict[str, object]:
    """The audit entry's columns for an enrollment (who, which fields, the consent)."""
    return audit_entry_row(
        actor,
        "create",
        "patient",
        patient.id,
        patient.id,
        at=now,
        fields=data.model_fields_set - {"allow_duplicate"},
        after={
            "language": patient.language,
            "timezone": patient.timezone,
            "sms_consent": patient.sms_consent,
            **({"consent_source": feed} if feed else {}),
        },
    )


def check_birth_date(value: date | None, now: datetime) -> None:
    """A date of birth is in the past, and at most 120 years ago."""
    if value is None:
        return
    today = now.date()
    if value > today:
        raise InvalidInput("must not be in the future", field="birth_date")
    try:
        earliest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if value < earliest:
        raise InvalidInput(f"must be within the last {MAX_AGE_YEARS} years", field="birth_date")


def duplicates_of(session: Session, data: PatientCreate, settings: Settings) -> list[Patient]:
    """Enrolled patients who are probably the one in `data` (see `likely_duplicates`):
    what the console asks about before enrolling."""
    phone = patients_phone(data.phone, settings.clinic_phone_region)
    mrn = normalise_mrn(data.mrn) if data.mrn else None
    return list(
        likely_duplicates(
            session,
            phone=phone,
            family_name=data.family_name,
            mrn=mrn,
            birth_date=data.birth_date,
        )
    )


def refuse_likely_duplicate(
    session: Session,
    *,
    phone: str,
    family_name: str,
    mrn: str | None,
    birth_date: date | None,
    allow_duplicate: bool,
    not_id: int | None = None,
) -> None:
    """409 naming the enrolled patient: an MRN in use always; the same phone and folded
    family name, or the same folded family name and date of birth, unless the caller
    confirmed (`allow_duplicate`), since family members share phones (and twins
    birthdays)."""
    found = likely_duplicates(
        session,
        phone=phone,
        family_name=family_name,
        mrn=mrn,
        birth_date=birth_date,
        not_id=not_id,
    )
    refusal = duplicate_refusal(found, phone=phone, mrn=mrn, allow_duplicate=allow_duplicate)
    if refusal is not None:
        raise refusal


def duplicate_refusal(
    found: Sequence[Patient], *, phone: str, mrn: str | None, allow_duplicate: bool
) -> LikelyDuplicate | None:
    """The 409 `refuse_likely_duplicate` raises for these likely records, if any."""
    same_mrn = [p.id for p in found if mrn is not None and p.mrn == mrn and p.id is not None]
    if same_mrn:
        return LikelyDuplicate(
            f"MRN {mrn} belongs to patient {same_mrn[0]}",
            field="mrn",
            existing_patient_ids=same_mrn,
        )
    ids = [p.id for p in found if p.id is not None]
    if ids and not allow_duplicate:
        same_phone = any(p.phone == phone for p in found)
        why = "phone and family name" if same_phone else "family name and date of birth"
        return LikelyDuplicate(
            f"patient {ids[0]} has the same {why}; send allow_duplicate: true to "
            "keep a separate record anyway",
            field="phone" if same_phone else "birth_date",
            existing_patient_ids=ids,
        )
    return None


def get_patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"no patient with id {patient_id}", field="patient_id")
    return patient


def find_by_phone(session: Session, raw_phone: str, settings: Settings) -> list[Patient]:
    phone = to_e164(raw_phone, settings.clinic_phone_region)
    return list(
        session.exec(
            select(Patient)
            .where(Patient.phone == phone, col(Patient.merged_into_id).is_(None))
            .order_by(col(Patient.id))
        )
    )


def find_by_mrn(session: Session, raw_mrn: str) -> Patient | None:
    """The patient with this MRN (an EHR's identifier); a merged record answers with the
    record it was merged into."""
    patient = session.exec(select(Patient).where(Patient.mrn == normalise_mrn(raw_mrn))).first()
    if patient is not None and patient.merged_into_id is not None:
        return session.get(Patient, patient.merged_into_id)
    return patient


def patient_public(session: Session, patient: Patient) -> PatientPublic:
    """The patient as the API shows them (see `patients_public`)."""
    return patients_public(session, [patient])[0]


def patients_public(session: Session, patients: Sequence[Patient]) -> list[PatientPublic]:
    """Each patient with its number's opt-out state, read in one query for the page."""
    stopped = opted_out_since(session, [p.phone for p in patients])
    out = []
    for patient in patients:
        public = PatientPublic.model_validate(patient, from_attributes=True)
        public.merged_into = patient.merged_into_id
        if patient.phone in stopped:
            public.opted_out, public.opted_out_since = True, stopped[patient.phone]
        out.append(public)
    return out
