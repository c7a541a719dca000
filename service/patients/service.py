"""Enrolling patients and finding them again."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.config import Settings
from service.errors import InvalidInput, NotFound
from service.patients.models import Patient
from service.patients.phone import patients_phone, to_e164
from service.patients.schemas import PatientCreate
from service.validation import canonical_zone


def zone_named(name: str, *, field: str = "timezone") -> ZoneInfo:
    """A canonical IANA zone, or InvalidInput naming `field` with the nearest valid name."""
    try:
        return ZoneInfo(canonical_zone(name))
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def enroll_patient(
    session: Session, data: PatientCreate, settings: Settings, now: datetime
) -> Patient:
    if not data.sms_consent:
        raise InvalidInput(
            "the patient must agree to receive text messages (sms_consent: true)",
            field="sms_consent",
        )
    zone = zone_named(data.timezone) if data.timezone else settings.clinic_zone
    patient = Patient(
        given_name=data.given_name,
        family_name=data.family_name,
        phone=patients_phone(data.phone, settings.clinic_phone_region),
        timezone=zone.key,
        language=data.language or settings.default_language,
        sms_consent=True,
        consent_recorded_at=now,
        created_at=now,
    )
    session.add(patient)
    session.flush()
    return patient


def get_patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"no patient with id {patient_id}", field="patient_id")
    return patient


def find_by_phone(session: Session, raw_phone: str, settings: Settings) -> list[Patient]:
    phone = to_e164(raw_phone, settings.clinic_phone_region)
    return list(
        session.exec(select(Patient).where(Patient.phone == phone).order_by(col(Patient.id)))
    )
