"""Which of a feed's appointments are ours: the appointment-code mapping setting.

By default CPT 0275T, the code for MILD, is the procedure; so is a reason whose text names
MILD. A clinic adds its own codes for the procedure and the wound check, 2-week and
3-month visits. Anything else is not ours.

The structured service decides (HL7 AIS-3 and SCH-8; FHIR serviceType and
appointmentType): when it carries a procedure code (CPT, HCPCS, SNOMED ...) and none is
ours, the appointment is another procedure, even if the reason (HL7 SCH-7, FHIR
reasonCode) mentions MILD as history ("s/p 0275T (MILD) 2025, now R leg pain - ESI").
The reason counts only when the service carries no procedure code or carries ours. One
rule for every feed: HL7 and FHIR both ask `kind_of`.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Coded:
    """One coded value as sent: HL7 CE/CWE (code, text, coding system), FHIR Coding."""

    code: str = ""
    text: str = ""
    system: str = ""


# Coding systems of procedures: HL7 table 0396 names and FHIR system URIs (CPT, HCPCS,
# SNOMED CT, ICD-10-PCS). An appointment type such as HL7 table 0277's PROC or a local
# visit type (PTEVAL, ESI without a system) is not a procedure code.
_PROCEDURE_SYSTEMS = re.compile(
    r"^(CPT|CPT4|CPT-4|C4|C5|HCPCS|HCPT|HPC|SCT|SNM|SNM3|SNOMED|SNOMEDCT|SNOMED-CT|I10P|ICD10PCS"
    r"|10PCS)$|ama-assn\.org|snomed\.info|2\.16\.840\.1\.113883\.6\.(12|14|96|285|4)$|hcpcs",
    re.IGNORECASE,
)
# A CPT code (four digits and a digit, F, T or U; some systems prefix CPT) or HCPCS level II.
_PROCEDURE_CODE = re.compile(r"^(CPT-?)?\d{4}[0-9FTU]$|^[A-V]\d{4}$", re.IGNORECASE)
_CPT_PREFIX = re.compile(r"^CPT-?(?=\d{4}[0-9FTU]$)")


def is_procedure_code(coded: Coded) -> bool:
    code = coded.code.strip()
    return bool(code) and bool(
        _PROCEDURE_SYSTEMS.search(coded.system.strip()) or _PROCEDURE_CODE.match(code)
    )


class AppointmentMapping:
    """What a booked appointment is for this clinic, or None when it is not ours."""

    def __init__(self, settings: Settings) -> None:
        self.codes = settings.intake_codes()

    def kind_of(self, service: Iterable[Coded], reason: Iterable[Coded] = ()) -> Booked | None:
        """`service`: the structured service and type; `reason`: why it was booked."""
        service, reason = list(service), list(reason)
        ours = self._mapped(service)
        if ours is not None:
            return ours
        if any(is_procedure_code(c) for c in service):
            return None  # another procedure: a reason naming MILD is history
        ours = self._mapped(reason)
        if ours is not None:
            return ours
        if any(names_mild(c.text) for c in [*service, *reason] if c.text):
            return Booked.procedure
        return None

    def _mapped(self, coded: list[Coded]) -> Booked | None:
        given = {_CPT_PREFIX.sub("", c.code.strip().upper()) for c in coded if c.code.strip()}
        # The procedure first: a code mapped to it wins over a visit's.
        for kind in Booked:
            if given & self.codes[kind.value]:
                return kind
        return None
