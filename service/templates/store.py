"""Saved template versions: list, save, restore, and the source `compose` reads at send time.

Every save adds a version; nothing is overwritten or deleted. Restoring version N adds a
new version whose body is a copy of N's (version 0 = the code default), so the history
reads in order and the audit shows who restored what. The newest saved version is the
active one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.service import Actor
from service.auth.models import ApiKey
from service.db import end_transaction
from service.errors import Conflict, InvalidInput, NotFound
from service.templates.compose import TextFacts, language_for, text_variables
from service.templates.defaults import DEFAULT_LANGUAGE, STEP_TEXTS
from service.templates.models import MessageTemplate
from service.templates.sandbox import (
    SAMPLE_VARIABLES,
    TEMPLATE_VARIABLES,
    TemplateInvalid,
    render_template,
    validate_template,
)
from service.templates.segments import count_segments
from service.templates.source import FRAME_STEP, ActiveTemplate, TemplateSource, default_template
from service.templates.variables import SAMPLE_NAMES
from service.timeline.plan import TimelinePlan

LANGUAGES: tuple[str, ...] = tuple(STEP_TEXTS)
TEMPLATE_STEPS: tuple[str, ...] = (FRAME_STEP, *STEP_TEXTS[DEFAULT_LANGUAGE])
# The made-up procedure previews and checks render with: a Tuesday 7:00 AM in New York.
SAMPLE_ZONE = ZoneInfo("America/New_York")
SAMPLE_PROCEDURE_AT = datetime(2027, 3, 16, 11, 0, tzinfo=UTC)
SAMPLE_VISIT_AT = datetime(2027, 3, 26, 14, 30, tzinfo=UTC)


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


def allowed_variables(step: str) -> set[str]:
    return set(TEMPLATE_VARIABLES) | ({"fragments"} if step == FRAME_STEP else set())


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


# --- checks and previews ---------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    text: str
    characters: int
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int


def check_body(
    step: str,
    language: str,
    body: str,
    source: TemplateSource,
    *,
    max_segments: int,
    plan: TimelinePlan,
) -> Rendered:
    """422 naming the line and problem, or when with sample values the text, or a merged
    text of a day it shares, would exceed `max_segments`."""
    from service.templates.ceiling import WithDraft, merged_over_ceiling

    refuse_if_invalid(step, body, plan)
    variables = sample_variables(language, step, plan)
    rendered = render_in_context(step, language, body, variables, source)
    refuse_if_too_long(rendered, max_segments)
    draft = WithDraft(source, step, language, body)
    try:
        over = merged_over_ceiling(
            step, language, draft, plan, sample_facts(language, plan), max_segments
        )
    except TemplateInvalid as exc:
        raise InvalidInput(str(exc), field="body") from None
    if over is not None:
        steps, count = over
        raise InvalidInput(
            f"with sample values the text sent for {' + '.join(steps)} (steps due at the "
            f"same time) is {count.characters} characters ({count.encoding}) = "
            f"{count.segments} SMS segments; the limit is {max_segments} (SMS_MAX_SEGMENTS)",
            field="body",
        )
    return rendered


def refuse_if_invalid(step: str, body: str, plan: TimelinePlan) -> None:
    """422 naming `body` with every problem, rendering for many patients (both languages,
    accented, long and short names) and every branch, each render within the limits."""
    problems = validate_template(body, allowed_variables(step), validation_samples(step, plan))
    if problems:
        raise InvalidInput("; ".join(str(p) for p in problems), field="body")


def validation_samples(step: str, plan: TimelinePlan) -> list[Mapping[str, object]]:
    """The values a draft is tried with: each sample name in each language, with the
    yes/no and day values and an appointment varied between them."""
    samples: list[Mapping[str, object]] = []
    for index, (language, (given, family)) in enumerate(
        (language, names) for language in LANGUAGES for names in SAMPLE_NAMES
    ):
        facts = replace(sample_facts(language, plan), given_name=given, family_name=family)
        visit = step if step in facts.visits else "wound_check_visit"
        variables = text_variables(facts, language, visit_step=visit if index % 3 else None)
        variables["mention_fasting"] = index % 2 == 0
        variables["ice_day"] = index % 8
        samples.append(variables)
    return samples


def refuse_if_too_long(rendered: Rendered, max_segments: int) -> None:
    if rendered.segments > max_segments:
        hint = (
            " One character outside GSM-7 (e.g. á, í, ó, ú or an emoji) makes the whole "
            "text UCS-2: 67 characters per segment instead of 153."
            if rendered.encoding == "UCS-2"
            else ""
        )
        raise InvalidInput(
            f"with sample values the full text is {rendered.characters} characters "
            f"({rendered.encoding}) = {rendered.segments} SMS segments; the limit is "
            f"{max_segments}.{hint}",
            field="body",
        )


def render_in_context(
    step: str,
    language: str,
    body: str,
    variables: dict[str, object],
    source: TemplateSource,
) -> Rendered:
    """The whole text a patient would get: a step inside the active frame, or a frame
    around the active text of `prep_week` (the longest fixed step)."""
    try:
        if step == FRAME_STEP:
            inner = render_template(source.get("prep_week", language).body, variables)
            text = render_template(body, {**variables, "fragments": inner})
        else:
            inner = render_template(body, variables)
            frame = source.get(FRAME_STEP, language).body
            text = render_template(frame, {**variables, "fragments": inner})
    except TemplateInvalid as exc:
        raise InvalidInput(str(exc), field="body") from None
    # Either would send every patient a text without the step's advice in it.
    if not inner:
        raise InvalidInput("with sample values the step's text is empty", field="body")
    if inner not in text:
        raise InvalidInput(
            "the frame must show {{ fragments }} (the texts of the steps due) unchanged",
            field="body",
        )
    count = count_segments(text)
    return Rendered(text, count.characters, count.encoding, count.segments)


def sample_facts(
    language: str,
    plan: TimelinePlan,
    *,
    clinic: tuple[str, str] | None = None,
) -> TextFacts:
    """The sample patient and procedure; `clinic` (name, phone) signs as that clinic."""
    clinic_name, clinic_phone = clinic or (
        str(SAMPLE_VARIABLES["clinic_name"]),
        str(SAMPLE_VARIABLES["clinic_phone"]),
    )
    return TextFacts(
        given_name=str(SAMPLE_VARIABLES["given_name"]),
        family_name=str(SAMPLE_VARIABLES["family_name"]),
        clinic_name=clinic_name,
        clinic_phone=clinic_phone,
        zone=SAMPLE_ZONE,
        procedure_starts_at=SAMPLE_PROCEDURE_AT,
        plan=plan,
        visits={step: SAMPLE_VISIT_AT for step in _visit_steps()},
        include_fasting=True,
    )


def sample_variables(
    language: str,
    step: str | None,
    plan: TimelinePlan,
    *,
    clinic: tuple[str, str] | None = None,
) -> dict[str, object]:
    """Sample values worded in `language` (dates and times as the composer writes them),
    with the clinic's plan in force (e.g. its fasting hours)."""
    facts = sample_facts(language, plan, clinic=clinic)
    visit = step if step in facts.visits else "wound_check_visit"
    return text_variables(facts, language_for(language), visit_step=visit)


def _visit_steps() -> Iterable[str]:
    return [s for s in STEP_TEXTS[DEFAULT_LANGUAGE] if s.endswith("_visit")]
