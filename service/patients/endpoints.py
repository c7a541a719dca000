from fastapi import APIRouter, Query
from sqlmodel import Session

from service.audit.service import audit, record_read
from service.auth.deps import StaffKey
from service.conversation.optouts import opt_out_state
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.patients import service
from service.patients.models import Patient
from service.patients.schemas import PatientCreate, PatientPublic

router = APIRouter(prefix="/v1/patients", tags=["patients"])


@router.post("", status_code=201, response_model=PatientPublic)
def enroll_patient(
    body: PatientCreate, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> PatientPublic:
    patient = service.enroll_patient(session, body, settings, now)
    audit(
        session,
        key,
        "create",
        "patient",
        patient.id,
        patient.id,
        at=now,
        fields=body.model_fields_set,
        after={
            "language": patient.language,
            "timezone": patient.timezone,
            "sms_consent": patient.sms_consent,
        },
    )
    # Read inside the transaction, then committed: one connection checkout per request.
    public = _public(session, patient)
    session.commit()
    return public


@router.get("", response_model=list[PatientPublic])
def find_patients(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    phone: str = Query(min_length=3, max_length=40, description="Any common format"),
) -> list[PatientPublic]:
    found = service.find_by_phone(session, phone, settings)
    # Audited even when nobody matched: the lookup itself is a look at patient data.
    for patient_id in [p.id for p in found] or [None]:
        record_read(session, key, "patient", patient_id, patient_id, at=now, fields=["phone"])
    public = [_public(session, p) for p in found]
    session.commit()
    return public


@router.get("/{patient_id}", response_model=PatientPublic, responses={404: {}})
def get_patient(
    patient_id: ResourceId, session: SessionDep, now: NowDep, key: StaffKey
) -> PatientPublic:
    public = _public(session, service.get_patient(session, patient_id))
    record_read(session, key, "patient", patient_id, patient_id, at=now)
    session.commit()
    return public


def _public(session: Session, patient: Patient) -> PatientPublic:
    public = PatientPublic.model_validate(patient, from_attributes=True)
    state = opt_out_state(session, patient.phone)
    if state is not None and state.opted_out:
        public.opted_out, public.opted_out_since = True, state.changed_at
    return public
