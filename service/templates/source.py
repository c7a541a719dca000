"""Where the composer gets each template: code defaults (version 0) or the database."""

from dataclasses import dataclass
from typing import Protocol

from service.templates.defaults import FRAME, STEP_TEXTS

# The frame wraps the step fragments of one text; it is edited like a step template.
FRAME_STEP = "frame"


@dataclass(frozen=True)
class ActiveTemplate:
    step: str
    language: str
    version: int  # 0 = the code default in `service.templates.defaults`
    body: str

    @property
    def label(self) -> str:
        return f"{self.step}:{self.language}:{self.version}"


class TemplateSource(Protocol):
    def get(self, step: str, language: str) -> ActiveTemplate: ...


# A clinic's own check-in question has no code default: its wording is the versions saved
# since it was added. Were they all to fail with a patient's values, the patient gets this
# rather than nothing (and a reply is still read as the question's answer).
CLINIC_QUESTION_FALLBACK = {
    "en": "A quick check-in question from your care team: please reply with one number.",
    "es": "Una pregunta breve de su equipo de atención: responda con una cifra.",
}


def default_template(step: str, language: str) -> ActiveTemplate:
    if step == FRAME_STEP:
        body = FRAME[language]
    elif step not in STEP_TEXTS[language] and step.startswith("question_"):
        body = CLINIC_QUESTION_FALLBACK.get(language, CLINIC_QUESTION_FALLBACK["en"])
    else:
        body = STEP_TEXTS[language][step]
    return ActiveTemplate(step, language, 0, body)


class CodeDefaults:
    """Only the texts in `service.templates.defaults`; every template is version 0."""

    def get(self, step: str, language: str) -> ActiveTemplate:
        return default_template(step, language)


CODE_DEFAULTS = CodeDefaults()
