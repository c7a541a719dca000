"""Phone numbers in logs and error texts: enough to tell patients apart, not to dial them."""

import re

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

_E164 = re.compile(r"^\+(\d{8,15})$")
# Anything in free text that looks like a dialable number, e.g. inside a provider's message.
_NUMBER_IN_TEXT = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_VISIBLE_TAIL = 4


def _country_code_length(digits: str) -> int:
    for length in (1, 2, 3):
        if int(digits[:length]) in COUNTRY_CODE_TO_REGION_CODE:
            return length
    return 1


def mask_phone(e164: str) -> str:
    """`+15551234567` -> `+1******4567`: country code and last four digits stay visible."""
    match = _E164.match(e164.strip())
    if match is None:
        # Not E.164: without knowing its shape, reveal nothing but its length.
        return "*" * len(e164)
    digits = match.group(1)
    head = digits[: _country_code_length(digits)]
    hidden = len(digits) - len(head) - _VISIBLE_TAIL
    return f"+{head}{'*' * hidden}{digits[-_VISIBLE_TAIL:]}"


def mask_phone_numbers_in(text: str) -> str:
    """Mask every phone-number-like run in free text, e.g. a provider's error message."""

    def _mask(match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 8:
            return raw
        return mask_phone(f"+{digits}") if raw.startswith("+") else "*" * len(raw)

    return _NUMBER_IN_TEXT.sub(_mask, text)
