"""The acknowledgement an interface analyst reads: MSA AA (applied), AE (not applied,
with an ERR segment naming the segment and field) or AR (a message we do not take).
Built with python-hl7 from the message it answers (MSH-5/6 and MSH-3/4 swapped, the
version and processing id kept, MSA-2 its control id)."""

import hl7
from hl7.util import escape, generate_message_control_id

from service.intake.hl7.read import FieldError

RECEIVER = "MILD-REMINDERS"


def acknowledge(
    message: hl7.Message | None,
    code: str,
    text: str = "",
    error: FieldError | None = None,
) -> str:
    """The ACK as text (segments separated by \\r, no MLLP framing)."""
    try:
        ack = (message or _stand_in()).create_ack(code, message_id=generate_message_control_id())
    except Exception:  # a header too broken to answer from (e.g. MSH-9 without a trigger)
        ack = _stand_in().create_ack(code, message_id=generate_message_control_id())
        ack.segment("MSA").assign_field(_control_id(message), 2)
        message = None
    msa = ack.segment("MSA")
    if text:
        msa.assign_field(escape(ack, text[:80]), 3)  # MSA-3: read by v2.3-2.4 engines
    if error is not None:
        ack.append(_err(ack, error))
    return str(ack)


def _err(ack: hl7.Message, error: FieldError) -> hl7.Segment:
    """ERR in both shapes: ERR-1 (v2.3-2.4: segment^sequence^field^code) and ERR-2, -3,
    -4, -8 (v2.5+: location, HL7 error code, severity E, the message in words)."""
    err = ack.create_segment([ack.create_field(["ERR"])])
    words = escape(ack, error.message[:200])
    position = str(error.field) if error.field else ""
    err.assign_field(error.segment, 1, 1, 1)
    err.assign_field("1", 1, 1, 2)
    err.assign_field(position, 1, 1, 3)
    err.assign_field(error.code, 1, 1, 4, 1)
    err.assign_field(words, 1, 1, 4, 2)
    err.assign_field("HL70357", 1, 1, 4, 3)
    err.assign_field(error.segment, 2, 1, 1)
    err.assign_field("1", 2, 1, 2)
    err.assign_field(position, 2, 1, 3)
    err.assign_field(error.code, 3, 1, 1)
    err.assign_field(words, 3, 1, 2)
    err.assign_field("HL70357", 3, 1, 3)
    err.assign_field("E", 4)
    err.assign_field(words, 8)
    return err


def _stand_in() -> hl7.Message:
    """A header to answer a frame we could not read at all (no usable MSH)."""
    return hl7.parse(f"MSH|^~\\&|UNKNOWN||{RECEIVER}||||ACK^ACK|UNKNOWN|P|2.5.1")


def _control_id(message: hl7.Message | None) -> str:
    try:
        return str(message.segment("MSH").extract_field(1, 10, 1, 1, 1)) if message else ""
    except Exception:
        return ""
