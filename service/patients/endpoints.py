from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep, json_answer
from service.errors import InvalidInput
from service.openapi import LIST_HEADERS, page_headers, problems
from service.patients import service
from service.patients.schemas import PatientCreate, PatientPublic
from service.patients.search import search_patients

router = APIRouter(prefix="/v1/patients", tags=["patients"], responses=problems(401, 422))

_ENROLL_EXAMPLES = {
    "spanish": {
        "summary": "A patient who reads Spanish, in Chicago",
        "value": {
            "given_name": "María",
            "family_name": "López",
            "phone": "(312) 555-0142",
            "timezone": "America/Chicago",
            "language": "es",
            "sms_consent": True,
            "mrn": "MRN-004512",
        },
    },
    "family_member": {
        "summary": "A second patient on a shared family phone, confirmed",
        "value": {
            "given_name": "José",
            "family_name": "López",
            "phone": "(312) 555-0142",
            "timezone": "America/Chicago",
            "language": "es",
            "sms_consent": True,
            "allow_duplicate": True,
        },
    },
}


@router.post(
    "",
    status_code=201,
    response_model=PatientPublic,
    summary="Enroll a patient",
    responses=problems(409),
)
def enroll_patient(
    body: Annotated[PatientCreate, Body(openapi_examples=_ENROLL_EXAMPLES)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> Response:
    """A likely second record of an enrolled patient (same phone and family name, same
    family name and date of birth, or the same MRN; names compared without case, accents
    or punctuation) is refused with 409 naming `existing_patient_ids`; resend with
    `allow_duplicate: true` for a different person on a shared phone."""
    patient = service.enroll_patient(session, body, settings, key.subject, now)
    # Read inside the transaction, then committed: one connection checkout per request.
    public = service.patient_public(session, patient)
    session.commit()
    return json_answer(public, 201)


@router.get(
    "",
    response_model=list[PatientPublic],
    summary="Find patients by name, phone, MRN or date of birth",
    responses={200: {"headers": LIST_HEADERS}},
)
def find_patients(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    q: str | None = Query(
        default=None,
        max_length=100,
        description="Words that start any part of a name (case, accents and punctuation "
        "ignored), the last 4 or more digits of a phone in any format, an MRN, or a date "
        "of birth (1950-03-16, or 03/16/1950 in the clinic's region's order)",
        examples=["garcia nun"],
    ),
    phone: str | None = Query(
        default=None, min_length=3, max_length=40, description="Exactly this number, any format"
    ),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[PatientPublic]:
    """Sorted by family name, then given name. `X-Total-Count` says how many match;
    `Link: <...>; rel="next"` points to the next page."""
    if phone is not None:
        found = service.find_by_phone(session, phone, settings)
        page = found[offset : offset + limit]
        total = len(found)
        next_offset = offset + len(page) if offset + len(page) < total else None
    elif q is not None:
        result = search_patients(
            session, q, settings.clinic_phone_region, limit=limit, offset=offset
        )
        page, total, next_offset = result.patients, result.total, result.next_offset
    else:
        raise InvalidInput("send q (a name, phone or MRN) or phone", field="q")
    # Audited even when nobody matched: the lookup itself is a look at patient data.
    found_by = "phone" if phone is not None else "q"
    record_read(
        session, key.subject, Read.search, at=now, shown=[p.id for p in page], found_by=found_by
    )
    page_headers(
        response,
        "/v1/patients",
        {"q": q, "phone": phone, "limit": limit},
        total,
        next_offset,
    )
    public = service.patients_public(session, page)
    session.commit()
    return public


@router.get(
    "/{patient_id}",
    response_model=PatientPublic,
    summary="Read a patient",
    responses=problems(404),
)
def get_patient(
    patient_id: ResourceId, response: Response, session: SessionDep, now: NowDep, key: StaffKey
) -> PatientPublic:
    """A merged record answers with `merged_into`: the id of the patient's record now.
    `ETag` is the record's version, for `If-Match` on a change."""
    public = service.patient_public(session, service.get_patient(session, patient_id))
    record_read(
        session, key.subject, Read.patient, at=now, entity_id=patient_id, patient_id=patient_id
    )
    response.headers["ETag"] = f'"{public.version}"'
    return public
