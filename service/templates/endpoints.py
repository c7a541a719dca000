"""Message templates over HTTP (admin only): list, history, save, restore, preview."""

from typing import Annotated

from fastapi import APIRouter, Body, Path
from sqlmodel import Session

from service.auth.deps import AdminKey, StaffKey
from service.deps import NowDep, SessionDep, SettingsDep
from service.openapi import problems
from service.procedures.wording import preview_sample
from service.templates import editing, store
from service.templates.preview import preview_template
from service.templates.schemas import (
    PreviewRequest,
    PreviewResult,
    TemplateDetail,
    TemplateSave,
    TemplateSummary,
    TemplateVersion,
)

router = APIRouter(prefix="/v1/templates", tags=["templates"], responses=problems(401, 403, 422))

_PREVIEW_EXAMPLES = {
    "active": {
        "summary": "The fasting text in Spanish for a real procedure",
        "value": {"step": "fasting", "language": "es", "procedure_id": 12},
    },
    "draft": {
        "summary": "A draft of the week-before text",
        "value": {
            "step": "prep_week",
            "language": "es",
            "body": "Hola {{ given_name }}: su procedimiento MILD es el {{ procedure_date }}.",
        },
    },
}


@router.get("", response_model=list[TemplateSummary], summary="List the texts in force")
def list_templates(session: SessionDep, _: AdminKey) -> list[TemplateSummary]:
    source = store.DbTemplates(session)
    out = []
    for language in store.LANGUAGES:
        for step in store.template_steps(session):
            active = source.get(step, language)
            out.append(
                TemplateSummary(
                    step=step,
                    language=language,
                    active_version=active.version,
                    body=active.body,
                    is_default=active.version == 0,
                )
            )
    return out


@router.post(
    "/preview",
    response_model=PreviewResult,
    summary="Preview a text as the patient gets it",
    responses=problems(404),
)
def preview(
    body: Annotated[PreviewRequest, Body(openapi_examples=_PREVIEW_EXAMPLES)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> PreviewResult:
    """Staff and admins. Without `body`, the active text of `step`; sample values signed
    as this clinic by default, or with `procedure_id` that procedure's patient and times.
    A text over SMS_MAX_SEGMENTS segments is refused (422) with its size, as saving it would be."""
    shown = preview_template(
        session,
        settings,
        step=body.step,
        language=body.language,
        body=body.body,
        procedure=None
        if body.procedure_id is None
        else preview_sample(session, settings, body.procedure_id, key.subject, now),
    )
    return PreviewResult(
        text=shown.text,
        language=shown.language,
        step=shown.step,
        version=shown.version,
        characters=shown.characters,
        encoding=shown.encoding,
        segments=shown.segments,
        max_segments=shown.max_segments,
    )


@router.get(
    "/{step}/{language}",
    response_model=TemplateDetail,
    responses={404: {}, 422: {}},
    summary="Read a text with its versions",
)
def get_template(step: str, language: str, session: SessionDep, _: AdminKey) -> TemplateDetail:
    return _detail(session, store.check_step(step, session), store.check_language(language))


@router.put(
    "/{step}/{language}",
    response_model=TemplateDetail,
    responses={404: {}, 422: {}},
    summary="Save a new version of a text",
)
def put_template(
    step: str,
    language: str,
    body: TemplateSave,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
) -> TemplateDetail:
    """Validates, then saves a new active version; nothing is saved on a 422 (e.g. when
    the text, or a day's merged text using it, would exceed SMS_MAX_SEGMENTS)."""
    editing.save_version(session, settings, step, language, body.body, key.subject, now)
    session.commit()
    return _detail(session, step, language)


@router.post(
    "/{step}/{language}/restore/{version}",
    response_model=TemplateDetail,
    responses={404: {}, 422: {}},
    summary="Restore an earlier version of a text",
)
def restore(
    step: str,
    language: str,
    version: Annotated[int, Path(ge=0, le=2_147_483_647)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
) -> TemplateDetail:
    """Adds a new version copying `version`'s body (0 = the code default)."""
    editing.restore_version(session, settings, step, language, version, key.subject, now)
    session.commit()
    return _detail(session, step, language)


def _detail(session: Session, step: str, language: str) -> TemplateDetail:
    versions = editing.history(session, step, language)
    active = next(v for v in versions if v.is_active)
    return TemplateDetail(
        step=step,
        language=language,
        active_version=active.version,
        body=active.body,
        is_default=active.version == 0,
        variables=editing.variables_of(step),
        versions=[
            TemplateVersion(
                version=v.version,
                body=v.body,
                is_active=v.is_active,
                created_at=v.created_at,
                created_by_key_id=v.created_by_key_id,
                created_by=v.created_by,
                restored_from_version=v.restored_from_version,
            )
            for v in versions
        ],
    )
