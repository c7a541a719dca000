"""Which of a feed's appointments are ours: the appointment-code mapping setting.

Codes come from the appointment's service, type or reason (HL7 AIS-3, SCH-7, SCH-8;
FHIR serviceType, appointmentType). By default CPT 0275T, the code for MILD, is the
procedure; so is a reason whose text names MILD. A clinic adds its own codes for the
procedure and the wound check, 2-week and 3-month visits. Anything else is not ours.
"""

import re
from collections.abc import Iterable
from enum import StrEnum

from service.config import Settings


class Booked(StrEnum):
    procedure = "procedure"
    wound_check = "wound_check"
    two_week = "two_week"
    three_month = "three_month"


# "MILD" in capitals (the word "mild" is also plain English: "mild back pain") or the
# procedure's name written out, in English or Spanish.
_NAMES_MILD = re.compile(
    r"\bMILD\b|minimally[\s-]+invasive\s+lumbar\s+decompression"
    r"|descompresi[oó]n\s+lumbar\s+m[ií]nimamente\s+invasiva",
    re.IGNORECASE,
)
_MILD_WORD = re.compile(r"\bMILD\b")


def names_mild(text: str) -> bool:
    for match in _NAMES_MILD.finditer(text):
        if match.group(0).lower() != "mild" or _MILD_WORD.fullmatch(match.group(0)):
            return True
    return False


class AppointmentMapping:
    """What a booked appointment is for this clinic, or None when it is not ours."""

    def __init__(self, settings: Settings) -> None:
        self.codes = settings.intake_codes()

    def kind_of(self, codes: Iterable[str], texts: Iterable[str] = ()) -> Booked | None:
        given = {c.strip().upper() for c in codes if c and c.strip()}
        # The procedure first: a code mapped to it wins over a visit's.
        for kind in Booked:
            if given & self.codes[kind.value]:
                return kind
        if any(names_mild(text) for text in texts if text):
            return Booked.procedure
        return None
