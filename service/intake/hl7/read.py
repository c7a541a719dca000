"""Reading HL7 v2 messages (2.3 to 2.5.1) with python-hl7: the header, the patient (PID)
and the appointment (SCH, TQ1, AIS), as real feeds send them: repetitions, several
phones, escape sequences, Z-segments (ignored), times with or without an offset.

Every value is read at its place in python-hl7's tree and its escape sequences undone by
python-hl7's `unescape` (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\), hex runs as bytes in the message's
character set (escapes.py). A value we need and cannot read raises
`FieldError` naming the segment and field, which the ACK's ERR segment carries.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import hl7

from service.intake.hl7.escapes import BadEscape, factory_for, undo
from service.intake.mapping import Coded
from service.intake.people import IncomingPatient, language_code


class FieldError(Exception):
    """A message we cannot apply, and where in it the problem is (e.g. PID-13)."""

    def __init__(self, segment: str, field: int, message: str, code: str = "102") -> None:
        super().__init__(message)
        self.segment = segment
        self.field = field
        self.message = message
        # HL7 table 0357: 101 required field missing, 102 data type error, 103 table
        # value not found, 204 unknown key identifier, 207 application internal error.
        self.code = code

    @property
    def location(self) -> str:
        return f"{self.segment}-{self.field}"


@dataclass(frozen=True)
class Header:
    sender: str  # MSH-3^MSH-4
    control_id: str  # MSH-10
    message_type: str  # MSH-9.1
    trigger: str  # MSH-9.2
    version: str  # MSH-12

    @property
    def kind(self) -> str:
        return f"{self.message_type}^{self.trigger}"


@dataclass(frozen=True)
class IncomingAppointment:
    external_id: str
    service: tuple[Coded, ...]  # AIS-3 and SCH-8: what is booked
    reasons: tuple[Coded, ...]  # SCH-7 (and SCH-6's text): why
    starts_at: datetime | None
    reason: str  # SCH-6's text: why it was cancelled or a no-show
    # Each AIS's service codes and its own start (AIS-4): an appointment of several
    # services (an anesthesia consult, then the procedure) starts ours at its own time.
    parts: tuple[tuple[tuple[Coded, ...], datetime | None], ...] = ()


def decode(block: bytes) -> str:
    """The frame as text: UTF-8 (what MSH-18 usually says, and ASCII's superset), else
    Latin-1, which many older systems send; line ends as HL7's segment separator."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    # Segments end with \r; some senders write \r\n or \n. Blank lines are dropped.
    lines = text.replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return "\r".join(line for line in lines if line.strip())


def parse(text: str) -> hl7.Message:
    if not text.startswith("MSH"):
        raise FieldError("MSH", 0, "the message does not begin with an MSH segment", "100")
    try:
        # MSH-18 first: the factory carries the character set hex escapes are read in.
        charset = hl7.parse(text.split("\r", 1)[0]).segment("MSH").extract_field(1, 18, 1, 1, 1)
        return hl7.parse(text, factory=factory_for(str(charset)))
    except Exception:  # python-hl7 raises several kinds on malformed input
        raise FieldError("MSH", 0, "the message could not be read as HL7 v2", "100") from None


def value(segment: hl7.Segment | None, field: int, component: int = 1, repeat: int = 1) -> str:
    """One value (escapes undone), '' when absent, however deep the field is."""
    if segment is None or field >= len(segment):
        return ""
    try:
        raw = _leaf(segment, field, repeat, component)
    except (IndexError, KeyError):
        return ""
    try:
        return undo(segment, raw).strip()
    except BadEscape as bad:
        if bad.charset:
            raise FieldError("MSH", 18, bad.message, "103") from None
        raise FieldError(str(segment[0]), field, bad.message) from None


def _leaf(segment: hl7.Segment, field: int, repeat: int, component: int) -> str:
    """The value as sent (escapes in place), walked as python-hl7's extract_field does:
    a field, repetition or component without separators is a plain string."""
    node = segment(field)
    for index in (repeat, component, 1):
        if isinstance(node, str):
            return node if index == 1 else ""
        if index > len(node):
            return ""
        node = node(index)
    return str(node)


def repeats(segment: hl7.Segment | None, field: int) -> int:
    if segment is None or field >= len(segment):
        return 0
    return len(segment[field])


def first(message: hl7.Message, name: str) -> hl7.Segment | None:
    try:
        return message.segment(name)
    except KeyError:
        return None


def all_of(message: hl7.Message, name: str) -> list[hl7.Segment]:
    try:
        return list(message.segments(name))
    except KeyError:
        return []


def header(message: hl7.Message) -> Header:
    msh = first(message, "MSH")
    # python-hl7 numbers MSH from the field separator: MSH-n is index n here too.
    control_id = value(msh, 10)
    if not control_id:
        raise FieldError("MSH", 10, "the message control id is missing", "101")
    kind = value(msh, 9, 1)
    if not kind:
        raise FieldError("MSH", 9, "the message type is missing", "101")
    sender = "^".join(v for v in (value(msh, 3), value(msh, 4)) if v) or "unknown"
    return Header(
        sender[:120], control_id[:64], kind.upper(), value(msh, 9, 2).upper(), value(msh, 12)
    )


# HL7 DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. python-hl7's own reader is
# lenient ("2027-03-16" reads as 1 January), so the shape is checked first.
_DTM = re.compile(r"^(\d{4}(?:\d{2}){0,5})(?:\.\d{1,4})?(?:[+-]\d{4})?$")


def when(raw: str, segment: str, field: int, *, digits: int = 12) -> datetime:
    """An HL7 DTM to at least `digits` digits (12: to the minute); with an offset it is
    that instant (UTC), without one it stays naive (the clinic's wall time, decided by
    the intake service)."""
    shape = _DTM.match(raw)
    if shape is None or len(shape.group(1)) < digits:
        precision = "to the minute" if digits >= 12 else "with a day"
        raise FieldError(segment, field, f"{raw[:30]!r} is not an HL7 time {precision}")
    try:
        parsed = hl7.parse_datetime(raw)
    except (ValueError, TypeError):
        raise FieldError(segment, field, f"{raw!r} is not an HL7 date and time") from None
    if parsed is None:
        raise FieldError(segment, field, "the time is missing", "101")
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed


# Telecom use codes (HL7 table 0201) for a number the patient answers, best first, and
# equipment types (table 0202) that cannot take a text.
_USE_ORDER = ("PRN", "ORN", "VHN", "WPN", "")
_NOT_A_PHONE = {"NET", "BPN", "EMR", "ASN"}
_NOT_TEXTABLE = {"FX", "BP", "INTERNET", "X.400", "MD", "TDD", "TTY"}


def phone_candidates(pid: hl7.Segment | None) -> list[str]:
    """PID-13 (then PID-14) numbers, the mobile first, then by use code."""
    found: list[tuple[int, int, str]] = []
    for order, field in enumerate((13, 14)):
        for rep in range(1, repeats(pid, field) + 1):
            use = value(pid, field, 2, rep).upper()
            equipment = value(pid, field, 3, rep).upper()
            if use in _NOT_A_PHONE or equipment in _NOT_TEXTABLE:
                continue
            number = _xtn_number(pid, field, rep)
            if not number:
                continue
            mobile = equipment in {"CP", "SP"}  # cellular, smartphone
            rank = 0 if mobile else 1 + (_USE_ORDER.index(use) if use in _USE_ORDER else 4)
            found.append((rank, order * 100 + rep, number))
    return [number for _, _, number in sorted(found)]


def _xtn_number(pid: hl7.Segment | None, field: int, rep: int) -> str:
    """XTN: the formatted number (component 1, still the common one), else country, area
    and local number (components 5-7, v2.5), else the unformatted number (component 12)."""
    formatted = value(pid, field, 1, rep)
    if formatted and any(ch.isdigit() for ch in formatted):
        return formatted
    parts = [value(pid, field, c, rep) for c in (5, 6, 7)]
    if parts[1] and parts[2]:
        country = f"+{parts[0].lstrip('+')} " if parts[0] else ""
        return f"{country}{parts[1]} {parts[2]}"
    return value(pid, field, 12, rep)


def patient(message: hl7.Message, pick_phone: Callable[[list[str]], str | None]) -> IncomingPatient:
    """PID as a patient; `pick_phone` chooses the number to text among the candidates."""
    pid = first(message, "PID")
    if pid is None:
        raise FieldError("PID", 0, "the message has no PID segment", "100")
    mrn = patient_mrn(pid)
    family, given = _name(pid)
    if not family:
        raise FieldError("PID", 5, "the patient's family name is missing", "101")
    if not given:
        raise FieldError("PID", 5, "the patient's given name is missing", "101")
    born = value(pid, 7)
    birth_date: date | None = None
    if born:
        birth_date = when(born, "PID", 7, digits=8).date()
    language = language_code(value(pid, 15, 1), value(pid, 15, 2))
    return IncomingPatient(
        given_name=given,
        family_name=family,
        phone=pick_phone(phone_candidates(pid)),
        mrn=mrn,
        language=language,
        birth_date=birth_date,
    )


def patient_mrn(pid: hl7.Segment) -> str | None:
    """PID-3's repetition with identifier type MR, else its first; PID-2 (v2.3's
    external id) when PID-3 is empty."""
    ids = [
        (value(pid, 3, 5, rep).upper(), value(pid, 3, 1, rep))
        for rep in range(1, repeats(pid, 3) + 1)
    ]
    ids = [(kind, number) for kind, number in ids if number]
    for kind, number in ids:
        if kind == "MR":
            return number
    if ids:
        return ids[0][1]
    return value(pid, 2) or None


def _name(pid: hl7.Segment) -> tuple[str, str]:
    """PID-5's legal name (name type L), else its first repetition: (family, given)."""
    best = 1
    for rep in range(1, repeats(pid, 5) + 1):
        if value(pid, 5, 7, rep).upper() == "L":
            best = rep
            break
    return value(pid, 5, 1, best), value(pid, 5, 2, best)


def appointment(message: hl7.Message) -> IncomingAppointment:
    sch = first(message, "SCH")
    if sch is None:
        raise FieldError("SCH", 0, "the message has no SCH segment", "100")
    external_id = value(sch, 2) or value(sch, 1)
    if not external_id:
        raise FieldError("SCH", 2, "the appointment has no filler or placer id", "101")
    services = all_of(message, "AIS")
    service = [c for s in [*services, sch] for c in _coded(s, 8 if s is sch else 3)]
    reason = value(sch, 6, 2) or value(sch, 6, 1)
    return IncomingAppointment(
        external_id=external_id[:80],
        service=tuple(service),
        reasons=(*_coded(sch, 7), Coded(text=value(sch, 6, 2))),
        starts_at=_start(message, sch, services),
        reason=reason[:200],
        parts=tuple(
            (tuple(_coded(s, 3)), when(value(s, 4), "AIS", 4) if value(s, 4) else None)
            for s in services
        ),
    )


def _coded(segment: hl7.Segment, field: int) -> list[Coded]:
    """A CE/CWE field's code and its alternate (components 1-3 and 4-6)."""
    found = [Coded(*(value(segment, field, c) for c in (n, n + 1, n + 2))) for n in (1, 4)]
    return [c for c in found if c.code or c.text]


def _start(message: hl7.Message, sch: hl7.Segment, services: list[hl7.Segment]) -> datetime | None:
    """TQ1-7 (v2.5), else SCH-11's start (component 4), else the first AIS-4."""
    tq1 = first(message, "TQ1")
    for segment, field, raw in (
        ("TQ1", 7, value(tq1, 7)),
        ("SCH", 11, value(sch, 11, 4)),
        *(("AIS", 4, value(s, 4)) for s in services),
    ):
        if raw:
            return when(raw, segment, field)
    return None
