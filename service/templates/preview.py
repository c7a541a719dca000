"""A template's text as a patient would get it, before (or without) saving it.

The API's preview and the console's live preview call this one function: a draft
`body`, or with none the active text; sample values signed as the configured clinic, or
a real procedure's patient and times.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.audit.reads import Read, Reader, record_read
from service.config import Settings
from service.errors import InvalidInput
from service.procedures.service import load_procedure
from service.templates import store
from service.templates.compose import TextFacts, language_for, text_variables
from service.templates.sandbox import validate_template
from service.timeline.active import active_plan


@dataclass(frozen=True)
class Preview:
    text: str
    language: str
    step: str
    # Which text was rendered: the draft sent, or the active version (0 = the default).
    version: int | None
    characters: int
    encoding: str
    segments: int
    # The clinic's ceiling (SMS_MAX_SEGMENTS) the text was checked against.
    max_segments: int


def preview_template(
    session: Session,
    settings: Settings,
    *,
    step: str | None,
    language: str | None,
    body: str | None = None,
    procedure_id: int | None = None,
    reader: Reader,
    now: datetime,
) -> Preview:
    """The whole SMS for `body` (or the active text of `step`), in `language`; 422 naming
    `body` when it does not render or would be over the segment limit. With a real
    `procedure_id` it shows that patient's name and dates: the look is audited."""
    step = store.check_step(step) if step else "prep_week"
    source = store.DbTemplates(session)
    if procedure_id is not None:
        procedure, patient = load_procedure(session, procedure_id)
        record_read(
            session, reader, Read.preview, at=now, entity_id=procedure_id, patient_id=patient.id
        )
        language = language_for(language or patient.language)
        facts = TextFacts(
            given_name=patient.given_name,
            family_name=patient.family_name,
            clinic_name=settings.clinic_name,
            clinic_phone=settings.clinic_phone,
            zone=ZoneInfo(patient.timezone),
            procedure_starts_at=procedure.scheduled_at,
            plan=active_plan(settings, session),
            visits={},
            include_fasting=True,
        )
        variables = text_variables(facts, language)
    else:
        language = store.check_language(language or settings.default_language)
        variables = store.sample_variables(
            language,
            step,
            active_plan(settings, session),
            clinic=(settings.clinic_name, settings.clinic_phone),
        )
    version: int | None = None
    if body is None:
        active = source.get(step, language)
        body, version = active.body, active.version
    problems = validate_template(body, store.allowed_variables(step))
    if problems:
        raise InvalidInput("; ".join(str(p) for p in problems), field="body")
    rendered = store.render_in_context(step, language, body, variables, source)
    store.refuse_if_too_long(rendered, settings.sms_max_segments)
    return Preview(
        text=rendered.text,
        language=language,
        step=step,
        version=version,
        characters=rendered.characters,
        encoding=rendered.encoding,
        segments=rendered.segments,
        max_segments=settings.sms_max_segments,
    )
