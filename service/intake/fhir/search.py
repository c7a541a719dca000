"""Patient search parameters (identifier, name, birthdate, phone) over the record
domain's own lookups; several parameters narrow each other."""

from datetime import date

from sqlmodel import Session, col, select

from service.config import Settings
from service.errors import InvalidInput
from service.intake.service import find_patient
from service.patients.models import Patient
from service.patients.phone import to_e164
from service.patients.search import normalise_mrn, search_patients
from service.patients.service import find_by_phone

LIMIT = 50


def find_patients(
    session: Session,
    settings: Settings,
    identifier: str | None,
    name: str | None,
    birthdate: str | None,
    phone: str | None,
) -> list[Patient]:
    born: date | None = None
    if birthdate:
        try:
            born = date.fromisoformat(birthdate)
        except ValueError:
            raise InvalidInput("birthdate must be YYYY-MM-DD", field="birth_date") from None
    mrn = normalise_mrn(identifier.split("|")[-1]) if identifier else None
    number = to_e164(phone, settings.clinic_phone_region) if phone else None
    if mrn:
        found = [p for p in [find_patient(session, mrn)] if p is not None]
    elif number:
        found = find_by_phone(session, number, settings)
    elif born is not None:
        found = list(
            session.exec(
                select(Patient)
                .where(Patient.birth_date == born, col(Patient.merged_into_id).is_(None))
                .order_by(col(Patient.id))
                .limit(LIMIT)
            )
        )
    elif name:
        found = search_patients(session, name, settings.clinic_phone_region, limit=LIMIT).patients
    else:
        found = search_patients(session, "", settings.clinic_phone_region, limit=LIMIT).patients
    named = (
        {
            p.id
            for p in search_patients(
                session, name, settings.clinic_phone_region, limit=200
            ).patients
        }
        if name and (mrn or number)
        else None
    )
    return [
        p
        for p in found
        if (number is None or p.phone == number)
        and (born is None or p.birth_date == born)
        and (named is None or p.id in named)
    ][:LIMIT]
