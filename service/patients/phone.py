"""Phone numbers as patients write them, stored as E.164."""

import phonenumbers

from service.errors import InvalidInput


def to_e164(raw: str, default_region: str, *, field: str = "phone") -> str:
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{raw!r} is not a phone number ({exc})", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{raw!r} is not a valid phone number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
