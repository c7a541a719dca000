from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.auth.deps import AdminKey, StaffKey
from service.checkins import question_admin
from service.checkins.listing import check_ins_of
from service.checkins.outcomes import outcome_period, outcomes
from service.checkins.schemas import (
    CheckInPublic,
    CheckInQuestionCreate,
    CheckInQuestionPatch,
    CheckInQuestionPublic,
    OutcomePublic,
    QuestionText,
)
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.openapi import problems
from service.procedures.service import load_procedure
from service.timeline.active import active_plan

router = APIRouter(tags=["check-ins"], responses=problems(401, 422))


@router.get(
    "/v1/procedures/{procedure_id}/check-ins",
    response_model=list[CheckInPublic],
    responses={404: {}},
    summary="A procedure's check-in questions and answers",
)
def list_check_ins(
    procedure_id: ResourceId, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> list[CheckInPublic]:
    """One item per question per time point: status, value, when asked and answered."""
    procedure, patient = load_procedure(session, procedure_id)
    items = check_ins_of(session, procedure, active_plan(settings, session), now)
    record_read(
        session, key.subject, Read.check_ins, at=now, entity_id=procedure_id, patient_id=patient.id
    )
    session.commit()
    return [CheckInPublic(**asdict(item)) for item in items]


@router.get(
    "/v1/outcomes",
    response_model=list[OutcomePublic],
    summary="Outcomes per check-in time point",
)
def list_outcomes(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
    start: date | None = Query(default=None, alias="from", description="procedures from"),
    end: date | None = Query(default=None, alias="to", description="procedures until"),
) -> list[OutcomePublic]:
    """Admins: per time point, asked, answered, median and change from baseline, for
    procedures on dates from `from` to `to` (clinic dates; default the last year)."""
    starts, ends = outcome_period(start, end, settings.clinic_timezone, now)
    return [OutcomePublic(**asdict(row)) for row in outcomes(session, starts, ends)]


QUESTIONS_PATH = "/v1/check-in-questions"
KeyPath = Annotated[str, Path(max_length=40, description="the question's key, e.g. pain")]


@router.get(
    QUESTIONS_PATH,
    response_model=list[CheckInQuestionPublic],
    responses=problems(403),
    summary="List the check-in questions",
)
def list_questions(session: SessionDep, _: AdminKey) -> list[CheckInQuestionPublic]:
    """Active and retired, in the order they are asked, with their wording per language."""
    return _listed(session)


@router.post(
    QUESTIONS_PATH,
    response_model=CheckInQuestionPublic,
    status_code=201,
    responses=problems(403, 409),
    summary="Add a check-in question",
)
def add_question(
    body: CheckInQuestionCreate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
) -> CheckInQuestionPublic:
    """Asked at every check-in after the questions before it (by `position`). Its wording
    is checked and saved like a template (versioned, segment-counted)."""
    row = question_admin.add_question(session, settings, body.model_dump(), key.subject, now)
    session.commit()
    return _one(session, row.key)


@router.patch(
    QUESTIONS_PATH + "/{question_key}",
    response_model=CheckInQuestionPublic,
    responses=problems(403, 404, 409),
    summary="Change or retire a check-in question",
)
def change_question(
    question_key: KeyPath,
    body: CheckInQuestionPatch,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
) -> CheckInQuestionPublic:
    """Changes the fields sent, made on `expected_version` (409 if it changed since);
    `active: false` retires it (its answers are kept). `key` and `kind` are refused
    (409, naming the field) once answers exist."""
    row = question_admin.change_question(
        session,
        settings,
        question_key,
        body.model_dump(exclude_unset=True),
        key.subject,
        now,
    )
    session.commit()
    return _one(session, row.key)


def _listed(session: Session) -> list[CheckInQuestionPublic]:
    def texts(worded: dict[str, tuple[str, int]]) -> dict[str, QuestionText]:
        return {lang: QuestionText(text=t, version=v) for lang, (t, v) in worded.items()}

    return [
        CheckInQuestionPublic(
            key=view.row.key,
            kind=view.row.kind,
            scale_min=view.row.scale_min,
            scale_max=view.row.scale_max,
            position=view.row.position,
            active=view.row.is_active,
            source=view.row.source,
            version=view.row.version,
            answers=view.answers,
            wording=texts(view.wording),
            short_form=texts(view.short_form),
        )
        for view in question_admin.list_questions(session)
    ]


def _one(session: Session, key: str) -> CheckInQuestionPublic:
    return next(q for q in _listed(session) if q.key == key)
