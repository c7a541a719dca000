from fastapi import APIRouter, Query

from service.auth.deps import StaffKey
from service.deps import NowDep, SessionDep, SettingsDep
from service.patients import service
from service.patients.schemas import PatientCreate, PatientPublic

router = APIRouter(prefix="/v1/patients", tags=["patients"])


@router.post("", status_code=201, response_model=PatientPublic)
def enroll_patient(
    body: PatientCreate, session: SessionDep, settings: SettingsDep, now: NowDep, _: StaffKey
) -> PatientPublic:
    patient = service.enroll_patient(session, body, settings, now)
    session.commit()
    return PatientPublic.model_validate(patient, from_attributes=True)


@router.get("", response_model=list[PatientPublic])
def find_patients(
    session: SessionDep,
    settings: SettingsDep,
    _: StaffKey,
    phone: str = Query(min_length=3, max_length=40, description="Any common format"),
) -> list[PatientPublic]:
    return [
        PatientPublic.model_validate(p, from_attributes=True)
        for p in service.find_by_phone(session, phone, settings)
    ]


@router.get("/{patient_id}", response_model=PatientPublic, responses={404: {}})
def get_patient(patient_id: int, session: SessionDep, _: StaffKey) -> PatientPublic:
    return PatientPublic.model_validate(
        service.get_patient(session, patient_id), from_attributes=True
    )
