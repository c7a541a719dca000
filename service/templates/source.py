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


def default_template(step: str, language: str) -> ActiveTemplate:
    body = FRAME[language] if step == FRAME_STEP else STEP_TEXTS[language][step]
    return ActiveTemplate(step, language, 0, body)


class CodeDefaults:
    """Only the texts in `service.templates.defaults`; every template is version 0."""

    def get(self, step: str, language: str) -> ActiveTemplate:
        return default_template(step, language)


CODE_DEFAULTS = CodeDefaults()
