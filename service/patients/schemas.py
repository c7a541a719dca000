import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from service.validation import LARGEST_ID, PlainText, ZoneName

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"
# Letters, digits and the separators record numbers use; no spaces or control characters.
MRN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    # pydantic alone would also read 1700000000 as a date; a birth date is written out.
    if isinstance(value, date) or value is None:
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date such as '1950-03-16'")
    return value


BirthDate = Annotated[date, BeforeValidator(_iso_date)]
"""A date of birth, 'YYYY-MM-DD'; the service checks it against today (`check_birth_date`)."""


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name: PlainText = Field(min_length=1, max_length=100)
    family_name: PlainText = Field(min_length=1, max_length=100)
    phone: PlainText = Field(
        min_length=3, max_length=40, description="Any common format; stored as E.164"
    )
    timezone: ZoneName | None = Field(
        default=None,
        max_length=64,
        description="IANA zone; default the clinic's. A link such as 'US/Pacific' is "
        "stored as the zone it names ('America/Los_Angeles')",
    )
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    # Strict: "yes" or 1 is not a patient's consent; only the JSON boolean true is.
    sms_consent: StrictBool = Field(description="The patient agreed to receive texts; must be true")
    mrn: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=MRN_PATTERN,
        description="The clinic's medical record number (optional; unique; stored upper-case)",
    )
    birth_date: BirthDate | None = Field(
        default=None,
        description="Date of birth (optional): not in the future, at most 120 years ago",
        examples=["1950-03-16"],
    )
    allow_duplicate: StrictBool = Field(
        default=False,
        description="Enroll even though a likely record of this patient exists (same "
        "phone and family name, or same family name and date of birth)",
    )


class PatientUpdate(BaseModel):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name: PlainText | None = Field(default=None, min_length=1, max_length=100)
    family_name: PlainText | None = Field(default=None, min_length=1, max_length=100)
    phone: PlainText | None = Field(
        default=None,
        min_length=3,
        max_length=40,
        description="A new number needs the patient's consent again: send sms_consent: true",
    )
    timezone: ZoneName | None = Field(
        default=None, max_length=64, description="Texts still to come keep their local time"
    )
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    mrn: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=MRN_PATTERN,
        description="null removes the MRN",
    )
    birth_date: BirthDate | None = Field(default=None, description="null removes it")
    sms_consent: StrictBool | None = Field(
        default=None, description="true: the patient agreed to texts on the new phone"
    )
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=LARGEST_ID,
        description="The `version` the change was made on (or send If-Match); a save "
        "on an older version is refused with 412",
    )
    allow_duplicate: StrictBool = Field(
        default=False, description="Save even though the record then looks like another's"
    )

    def changed_fields(self) -> dict[str, Any]:
        """The record's fields the caller sent (null included: it clears MRN or birth date)."""
        sent = self.model_fields_set - {"sms_consent", "expected_version", "allow_duplicate"}
        return {name: getattr(self, name) for name in sorted(sent)}


class PatientMerge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: int = Field(
        ge=1, le=LARGEST_ID, description="The second record, kept as a tombstone"
    )


class PatientPublic(BaseModel):
    id: int
    given_name: str
    family_name: str
    phone: str
    mrn: str | None = None
    birth_date: date | None = None
    timezone: str
    language: str
    sms_consent: bool
    consent_recorded_at: datetime
    created_at: datetime
    version: int = Field(description="Send it back as expected_version (or If-Match) to edit")
    # Per phone number: a STOP from the number stops every patient who shares it.
    opted_out: bool = False
    opted_out_since: datetime | None = None
    merged_into: int | None = Field(
        default=None, description="This record was merged: the patient's record is this id"
    )
    merged_at: datetime | None = None


class TextChangePublic(BaseModel):
    """A text still to come, before and after the change (null: not sent any more)."""

    procedure_id: int
    steps: list[str]
    was_due_at: datetime | None
    due_at: datetime | None
    was_text: str | None
    text: str | None


class EditPreviewPublic(BaseModel):
    changed_fields: list[str]
    version: int = Field(description="Send this as expected_version to make the change")
    timezone: str
    texts: list[TextChangePublic] = Field(
        description="Texts still to come the change moves or re-words"
    )
    new_phone_opted_out_since: datetime | None = Field(
        default=None, description="The new number replied STOP: no texts go to it until START"
    )


class MergePreviewPublic(BaseModel):
    patient_id: int
    duplicate_id: int
    moves: dict[str, int] = Field(description="Rows that move to the kept record, by kind")
    inbox_items: int = Field(description="Replies waiting in the inbox that move")
    filled_fields: list[str] = Field(description="Fields the kept record takes from the duplicate")
