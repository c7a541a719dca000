"""Saved template versions: list, save, restore, and the source `compose` reads at send time.

Every save adds a version; nothing is overwritten or deleted. Restoring version N adds a
new version whose body is a copy of N's (version 0 = the code default), so the history
reads in order and the audit shows who restored what. The newest saved version is the
active one.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.service import Actor
from service.auth.models import ApiKey
from service.db import end_transaction
from service.errors import Conflict, InvalidInput, NotFound
from service.templates.checks import LANGUAGES, check_body
from service.templates.defaults import DEFAULT_LANGUAGE, STEP_TEXTS
from service.templates.models import MessageTemplate
from service.templates.source import FRAME_STEP, ActiveTemplate, default_template
from service.timeline.plan import TimelinePlan

TEMPLATE_STEPS: tuple[str, ...] = (FRAME_STEP, *STEP_TEXTS[DEFAULT_LANGUAGE])


def template_steps(session: Session) -> tuple[str, ...]:
    """The code's steps, then the steps only saved versions make: a clinic's own check-in
    questions (`question_<key>`, `question_<key>_again`), whose first version is written
    when the question is added."""
    saved = session.exec(select(MessageTemplate.step).distinct()).all()
    return TEMPLATE_STEPS + tuple(sorted(set(saved) - set(TEMPLATE_STEPS)))


def check_step(step: str, session: Session | None = None) -> str:
    """`step`, if it has a template (with `session`, a clinic question's too); else 404."""
    known = TEMPLATE_STEPS if session is None else template_steps(session)
    if step not in known:
        raise NotFound(f"no template step '{step}'; known steps: {', '.join(known)}", field="step")
    return step


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            f"no templates in '{language}'; languages: {', '.join(LANGUAGES)}", field="language"
        )
    return language


class DbTemplates:
    """The active saved version of each template, else the code default (version 0).

    Reads each language's active rows once, so one instance serves one text (or one
    request); make a new one per send to see edits made since.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        # language -> step -> (version, body): plain columns, not ORM rows (a booking's
        # answer reads them once, and building entities cost more than the query).
        self._cache: dict[str, dict[str, tuple[int, str]]] = {}

    def get(self, step: str, language: str) -> ActiveTemplate:
        if language not in self._cache:
            rows = self.session.exec(_ACTIVE_IN, params={"language": language})
            self._cache[language] = {row_step: (v, body) for row_step, v, body in rows}
        row = self._cache[language].get(step)
        if row is None:
            return default_template(step, language)
        return ActiveTemplate(step, language, row[0], row[1])


# Read by every booking's answer: built once.
_ACTIVE_IN = select(MessageTemplate.step, MessageTemplate.version, MessageTemplate.body).where(
    col(MessageTemplate.language) == bindparam("language"), col(MessageTemplate.is_active)
)


class ActiveTemplates:
    """Every active template, read in one query: the worker's snapshot for one round.

    A round is a few hundred texts, so an edit saved mid-round applies from the next.
    """

    def __init__(self, rows: Iterable[MessageTemplate]) -> None:
        self._active = {
            (row.step, row.language): ActiveTemplate(row.step, row.language, row.version, row.body)
            for row in rows
        }

    @classmethod
    def read(cls, session: Session) -> "ActiveTemplates":
        return cls(session.exec(select(MessageTemplate).where(col(MessageTemplate.is_active))))

    def get(self, step: str, language: str) -> ActiveTemplate:
        found = self._active.get((step, language))
        if found is None:
            found = self._active[(step, language)] = default_template(step, language)
        return found


def versions_of(session: Session, step: str, language: str) -> list[MessageTemplate]:
    query = (
        select(MessageTemplate)
        .where(MessageTemplate.step == step, MessageTemplate.language == language)
        .order_by(col(MessageTemplate.version).desc())
    )
    return list(session.exec(query))


def save_template(
    session: Session,
    step: str,
    language: str,
    body: str,
    key: Actor,
    now: datetime,
    *,
    restored_from: int | None = None,
    max_segments: int,
    plan: TimelinePlan,
    new_step: bool = False,
) -> MessageTemplate:
    """Validate, then store `body` as the new active version. Raises 422 on any problem.
    `new_step`: the first version of a clinic question's text (its step has none yet)."""
    if not new_step:
        check_step(step, session)
    check_language(language)
    source = ActiveTemplates.read(session)
    # The draft renders many times over (samples, every branch, each day's merged text):
    # no transaction stays open meanwhile. A save committed by someone else in between
    # still meets the unique version below.
    end_transaction(session)
    check_body(step, language, body, source, max_segments=max_segments, plan=plan)
    return write_version(session, step, language, body, key, now, restored_from=restored_from)


def write_version(
    session: Session,
    step: str,
    language: str,
    body: str,
    key: Actor,
    now: datetime,
    *,
    restored_from: int | None = None,
) -> MessageTemplate:
    """Store a body already checked (`check_body`) as the new active version."""
    existing = versions_of(session, step, language)
    for row in existing:
        if row.is_active:
            row.is_active = False
            session.add(row)
    row = MessageTemplate(
        step=step,
        language=language,
        version=(existing[0].version if existing else 0) + 1,
        body=body,
        restored_from_version=restored_from,
        # A person's saves are named in the audit (see `editing.history`).
        created_by_key_id=key.id if isinstance(key, ApiKey) else None,
        created_at=now,
        is_active=True,
    )
    try:
        # A savepoint: a conflict undoes this insert only, never the caller's transaction
        # (which the caller commits or rolls back).
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(
            "someone saved this template at the same moment; reload and try again", field="step"
        ) from None
    return row


def restore_template(
    session: Session,
    step: str,
    language: str,
    version: int,
    key: Actor,
    now: datetime,
    *,
    max_segments: int,
    plan: TimelinePlan,
) -> MessageTemplate:
    check_step(step, session)
    check_language(language)
    if version == 0:
        if step not in TEMPLATE_STEPS:
            raise InvalidInput(
                f"'{step}' is a clinic's own question: it has no built-in wording (version "
                "0); restore one of its saved versions",
                field="version",
            )
        body = default_template(step, language).body
    else:
        old = session.exec(
            select(MessageTemplate).where(
                MessageTemplate.step == step,
                MessageTemplate.language == language,
                MessageTemplate.version == version,
            )
        ).first()
        if old is None:
            raise NotFound(f"{step}/{language} has no version {version}", field="version")
        body = old.body
    return save_template(
        session,
        step,
        language,
        body,
        key,
        now,
        restored_from=version,
        max_segments=max_segments,
        plan=plan,
    )
