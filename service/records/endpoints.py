"""Correcting and merging patient records over the API: thin routes over `edits.py`
and `merging.py`, the same use cases the console and the feeds call."""

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.errors import InvalidInput, VersionRequired
from service.openapi import problems
from service.patients.schemas import (
    EditPreviewPublic,
    MergePreviewPublic,
    PatientMerge,
    PatientPublic,
    PatientUpdate,
    TextChangePublic,
)
from service.patients.service import patient_public
from service.records.edits import EditPreview, edit_patient, preview_edit
from service.records.merging import merge_patients, preview_merge
from service.validation import LARGEST_ID, whole_number

router = APIRouter(prefix="/v1/patients", tags=["patients"], responses=problems(401, 404, 422))

_EDIT_EXAMPLES = {
    "new_phone": {
        "summary": "A new phone, with the patient's consent to texts on it",
        "value": {"phone": "(312) 555-0199", "sms_consent": True, "expected_version": 3},
    },
    "moved": {
        "summary": "Moved to Denver: texts still to come keep their local time",
        "value": {"timezone": "America/Denver", "expected_version": 3},
    },
}
IfMatch = Annotated[
    str | None,
    Header(
        description='The version the change was made on, as the ETag read it: "3"',
        examples=['"3"'],
    ),
]


def version_sent(if_match: str | None, body_version: int | None) -> int:
    """The version a change was made on: If-Match (an ETag) or `expected_version`."""
    if if_match is not None:
        header_version = whole_number(if_match.strip().removeprefix("W/").strip('"'))
        if header_version is None:
            raise InvalidInput('must be an ETag such as "3"', field="If-Match")
        if body_version is not None and body_version != header_version:
            raise InvalidInput("If-Match and expected_version disagree", field="expected_version")
        return header_version
    if body_version is None:
        raise VersionRequired(
            'send the version the change was made on: If-Match: "<version>" or '
            "expected_version (from GET /v1/patients/{id})",
            field="expected_version",
        )
    return body_version


@router.patch(
    "/{patient_id}",
    response_model=PatientPublic,
    summary="Correct a patient's record",
    responses=problems(409, 412, 428),
)
def correct_patient(
    patient_id: ResourceId,
    body: Annotated[PatientUpdate, Body(openapi_examples=_EDIT_EXAMPLES)],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    if_match: IfMatch = None,
) -> PatientPublic:
    """Any of the record's fields; those left out stay. Made on a version (If-Match or
    `expected_version`): a save on an older one is refused with 412 naming the fields
    changed meanwhile. A new zone keeps the local time of texts still to come; a new
    language re-words them; a new phone needs `sms_consent: true`."""
    version = version_sent(if_match, body.expected_version)
    result = edit_patient(
        session, patient_id, body, settings, key.subject, now, expected_version=version
    )
    public = patient_public(session, result.patient)
    session.commit()
    response.headers["ETag"] = f'"{public.version}"'
    return public


@router.post(
    "/{patient_id}/edit-preview",
    response_model=EditPreviewPublic,
    summary="What a correction would do, without making it",
    responses=problems(409, 412),
)
def preview_correction(
    patient_id: ResourceId,
    body: PatientUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    if_match: IfMatch = None,
) -> EditPreviewPublic:
    """The same body as PATCH; nothing changes. Lists the texts still to come that the
    change would move or re-word, and whether a new phone replied STOP."""
    version = (
        None
        if if_match is None and body.expected_version is None
        else (version_sent(if_match, body.expected_version))
    )
    shown = preview_edit(
        session, patient_id, body, settings, key.subject, now, expected_version=version
    )
    session.rollback()
    return edit_preview_public(shown)


def edit_preview_public(shown: EditPreview) -> EditPreviewPublic:
    return EditPreviewPublic(
        changed_fields=shown.changed,
        version=shown.version,
        timezone=shown.timezone,
        texts=[
            TextChangePublic(
                procedure_id=t.procedure_id,
                steps=list(t.steps),
                was_due_at=t.was_due_at,
                due_at=t.due_at,
                was_text=t.was_text,
                text=t.text,
            )
            for t in shown.texts
        ],
        new_phone_opted_out_since=shown.new_phone_opted_out_since,
    )


@router.post(
    "/{patient_id}/merge",
    response_model=PatientPublic,
    summary="Merge a second record of this patient into this one",
    responses=problems(409, 412),
)
def merge_duplicate(
    patient_id: ResourceId,
    body: PatientMerge,
    response: Response,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    if_match: IfMatch = None,
) -> PatientPublic:
    """The duplicate's procedures, visits, conversation and inbox items move here; the
    duplicate stays as a tombstone (`GET` answers with `merged_into`). Refused (409)
    when it cannot be right: both records with texts still to come, or one already merged."""
    version = None if if_match is None else version_sent(if_match, None)
    kept = merge_patients(
        session, patient_id, body.duplicate_id, key.subject, now, expected_version=version
    )
    public = patient_public(session, kept)
    session.commit()
    response.headers["ETag"] = f'"{public.version}"'
    return public


@router.get(
    "/{patient_id}/merge-preview",
    response_model=MergePreviewPublic,
    summary="What merging a duplicate into this record would move",
    responses=problems(409),
)
def merge_preview(
    patient_id: ResourceId,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    duplicate_id: int = Query(ge=1, le=LARGEST_ID),
) -> MergePreviewPublic:
    shown = preview_merge(session, patient_id, duplicate_id)
    for looked_at in (patient_id, duplicate_id):  # both records are shown side by side
        record_read(
            session, key.subject, Read.patient, at=now, entity_id=looked_at, patient_id=looked_at
        )
    return MergePreviewPublic(
        patient_id=patient_id,
        duplicate_id=duplicate_id,
        moves=shown.moves,
        inbox_items=shown.inbox_items,
        filled_fields=shown.filled,
    )
