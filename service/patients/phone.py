"""Phone numbers as patients write them, stored as E.164."""

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

from service.errors import InvalidInput

# Numbers that can never be a patient's own phone: texting them costs the clinic money
# (premium rate, shared cost) or reaches a business line (toll-free, UAN). Fixed line,
# mobile and VoIP stay accepted: US numbers cannot be told apart, and many patients
# text from VoIP numbers.
NOT_A_PATIENTS_PHONE = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
    PhoneNumberType.UAN: "a business (UAN) number",
}


def to_e164(raw: str, default_region: str, *, field: str = "phone") -> str:
    """Any valid number, as E.164 (for looking numbers up)."""
    return phonenumbers.format_number(
        _parse(raw, default_region, field), phonenumbers.PhoneNumberFormat.E164
    )


def patients_phone(raw: str, default_region: str, *, field: str = "phone") -> str:
    """A number a patient can be texted on, as E.164; service numbers are refused."""
    number = _parse(raw, default_region, field)
    kind = NOT_A_PATIENTS_PHONE.get(phonenumbers.number_type(number))
    if kind is not None:
        raise InvalidInput(f"{_masked(raw)} is {kind}, not a patient's phone", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse(raw: str, default_region: str, field: str) -> phonenumbers.PhoneNumber:
    number = _read(raw, default_region)
    if isinstance(number, str):
        raise InvalidInput(number, field=field)
    return number


# A number is read by every enrollment and again for its answer, and a feed repeats a
# patient's numbers in each message: read once. A refusal's reason is kept as a str
# (an exception kept in a cache would carry its traceback along).
@lru_cache(maxsize=4096)
def _read(raw: str, default_region: str) -> phonenumbers.PhoneNumber | str:
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        return f"{raw!r} is not a phone number ({exc})"
    if not phonenumbers.is_valid_number(number):
        return f"{raw!r} is not a valid phone number"
    return number


def _masked(raw: str) -> str:
    # The caller knows the number; an error (which may end up in a log) need not repeat it.
    digits = [c for c in raw if c.isdigit()]
    return "the number ending " + "".join(digits[-4:]) if len(digits) > 4 else "the number"


def national_format(e164: str, clinic_region: str) -> str:
    """How people at the clinic read a number: (312) 555-0142 for one of the clinic's
    country, +44 20 7946 0958 for any other; as stored if it cannot be read."""
    try:
        number = phonenumbers.parse(e164, clinic_region)
    except phonenumbers.NumberParseException:
        return e164
    same_country = phonenumbers.region_code_for_number(number) == clinic_region.upper() or (
        number.country_code == phonenumbers.country_code_for_region(clinic_region)
    )
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same_country
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
