"""The patient's fields as the enroll and edit pages post them, read once for both, and the
API's own request models built from them, so every rule on the fields applies here too."""

from typing import Annotated, TypeVar

from fastapi import Form
from pydantic import BaseModel, ValidationError

from service.console.forms import FormState

PATIENT_FIELDS = ("given_name", "family_name", "phone", "mrn", "birth_date", "timezone", "language")
# What to do about a value the request model refused, said the way a form says it.
FIELD_HELP = {
    "given_name": "Enter the given name, up to 100 characters",
    "family_name": "Enter the family name, up to 100 characters",
    "phone": "Enter a mobile phone number, like (212) 555-0142",
    "mrn": "Enter the MRN with letters, digits, '.', '/' or '-' only, up to 40 characters",
    "birth_date": "Enter the date of birth like 1950-03-16, in the past 120 years",
    "timezone": "Choose the patient's time zone",
    "language": "Choose the language of the texts",
    "sms_consent": "Tick the box once the patient agrees to receive text messages",
}

Model = TypeVar("Model", bound=BaseModel)


class PatientFields:
    """A dependency: the posted fields as typed (empty when missing), the consent box as
    "on" or ""."""

    def __init__(
        self,
        given_name: Annotated[str, Form()] = "",
        family_name: Annotated[str, Form()] = "",
        phone: Annotated[str, Form()] = "",
        mrn: Annotated[str, Form()] = "",
        birth_date: Annotated[str, Form()] = "",
        timezone: Annotated[str, Form()] = "",
        language: Annotated[str, Form()] = "",
        sms_consent: Annotated[str, Form()] = "",
    ) -> None:
        typed = (given_name, family_name, phone, mrn, birth_date, timezone, language)
        self.values = dict(zip(PATIENT_FIELDS, typed, strict=True))
        self.values["sms_consent"] = "on" if sms_consent else ""


def patient_model(form: FormState, model: type[Model], **fields: object) -> Model | None:
    """`model` (PatientCreate or PatientUpdate) from what was typed; None with each refused
    value shown beside its field."""
    try:
        return model(**fields)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "given_name"
            name = name if name in form.values else "given_name"
            form.error(name, FIELD_HELP.get(name, error["msg"]))
        return None
