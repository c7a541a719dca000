"""What the /v1/templates routes take and answer; MAX_BODY bounds a body in the API and
the console alike."""

from datetime import datetime

from pydantic import BaseModel, Field

from service.validation import MultilineText

MAX_BODY = 2000


class TemplateVersion(BaseModel):
    version: int
    body: str
    is_active: bool
    created_at: datetime | None
    created_by_key_id: int | None
    created_by: str = Field(default="", description="The key's or the person's name")
    restored_from_version: int | None = None


class TemplateSummary(BaseModel):
    step: str
    language: str
    active_version: int
    body: str
    is_default: bool


class TemplateDetail(TemplateSummary):
    variables: dict[str, str]
    versions: list[TemplateVersion]


class TemplateSave(BaseModel):
    body: MultilineText = Field(min_length=1, max_length=MAX_BODY)


class PreviewRequest(BaseModel):
    body: MultilineText | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_BODY,
        description="A draft; left out, the active text of `step` is shown",
    )
    step: str | None = Field(
        default=None,
        description="Checks the variables of this step; 'frame' for the frame",
        examples=["fasting"],
    )
    language: str | None = None
    procedure_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="Render with its real values"
    )


class PreviewResult(BaseModel):
    text: str = Field(description="The whole SMS: the body inside the active frame")
    language: str
    step: str
    version: int | None = Field(
        description="The active version shown (0 = the default); null for a draft"
    )
    characters: int
    encoding: str
    segments: int
    max_segments: int = Field(description="The clinic's ceiling, SMS_MAX_SEGMENTS")
