"""How many SMS segments a text costs (3GPP TS 23.038 character sets).

A text that fits the GSM 7-bit default alphabet (plus its extension table) is sent as
GSM-7: 160 septets in one segment, or 153 per segment once it needs several (the rest
of each segment holds the concatenation header). Anything else goes as UCS-2: 70 UTF-16
code units in one segment, 67 per segment otherwise.

A segment never ends halfway through an escape pair (an extension character is ESC plus
a septet) nor through a UTF-16 surrogate pair, so multipart counts come from packing
characters greedily, not from dividing the total by 153 or 67.

The empty text counts as one segment: it cannot be sent (providers refuse an empty
body), and one is the least any sendable text costs.
"""

from dataclasses import dataclass
from typing import Literal

# The GSM 7-bit default alphabet, by code point 0x00-0x7F. 0x1B is the escape to the
# extension table, not a character, so it is not encodable on its own.
GSM7_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00-0x0F
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"  # 0x10-0x1F
    " !\"#¤%&'()*+,-./"  # 0x20-0x2F
    "0123456789:;<=>?"  # 0x30-0x3F
    "¡ABCDEFGHIJKLMNO"  # 0x40-0x4F
    "PQRSTUVWXYZÄÖÑÜ§"  # 0x50-0x5F
    "¿abcdefghijklmno"  # 0x60-0x6F
    "pqrstuvwxyzäöñüà"  # 0x70-0x7F
)
GSM7_BASIC = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}
# The extension table's characters; each is sent as ESC + septet, so costs 2.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    characters: int  # len(text): code points
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    units: int  # GSM-7 septets, or UTF-16 code units for UCS-2


_GSM7_ANY = GSM7_BASIC | GSM7_EXTENSION


def count_segments(text: str) -> SegmentCount:
    """The encoding a text goes out in, its size in that encoding, and its segments."""
    letters = set(text)  # one pass in C: most texts are checked whole, not per letter
    if letters <= _GSM7_ANY:
        if letters.isdisjoint(GSM7_EXTENSION):
            return _uniform(text, "GSM-7", GSM7_SINGLE, GSM7_PART)
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return _count(text, "GSM-7", costs, GSM7_SINGLE, GSM7_PART)
    if max(letters) <= "\uffff":
        return _uniform(text, "UCS-2", UCS2_SINGLE, UCS2_PART)
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return _count(text, "UCS-2", costs, UCS2_SINGLE, UCS2_PART)


def _uniform(
    text: str, encoding: Literal["GSM-7", "UCS-2"], single: int, part: int
) -> SegmentCount:
    """Every character costs one unit: the greedy packing is a plain ceiling."""
    units = len(text)
    segments = 1 if units <= single else -(-units // part)
    return SegmentCount(units, encoding, segments, units)


def _count(
    text: str,
    encoding: Literal["GSM-7", "UCS-2"],
    costs: list[int],
    single: int,
    part: int,
) -> SegmentCount:
    units = sum(costs)
    if units <= single:
        return SegmentCount(len(text), encoding, 1, units)
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:  # an escape or surrogate pair never straddles two parts
            segments, used = segments + 1, 0
        used += cost
    return SegmentCount(len(text), encoding, segments, units)
