from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from service.validation import PlainText, ZoneName

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"
# Letters, digits and the separators record numbers use; no spaces or control characters.
MRN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$"


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name: PlainText = Field(min_length=1, max_length=100)
    family_name: PlainText = Field(min_length=1, max_length=100)
    phone: PlainText = Field(
        min_length=3, max_length=40, description="Any common format; stored as E.164"
    )
    timezone: ZoneName | None = Field(
        default=None, max_length=64, description="IANA zone; default the clinic's"
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
    allow_duplicate: StrictBool = Field(
        default=False,
        description="Enroll even though a patient with this phone and family name exists",
    )


class PatientPublic(BaseModel):
    id: int
    given_name: str
    family_name: str
    phone: str
    mrn: str | None = None
    timezone: str
    language: str
    sms_consent: bool
    consent_recorded_at: datetime
    created_at: datetime
    # Per phone number: a STOP from the number stops every patient who shares it.
    opted_out: bool = False
    opted_out_since: datetime | None = None
