"""Escape sequences undone as HL7 means them: a hex escape (\\Xhh..\\) is BYTES in the
message's character set (MSH-18), so "PE\\XC3B1\\A" in UTF-8 is "PEÑA" and "M\\XFC\\LLER"
in 8859/1 is "MÜLLER", also when one character's bytes are split over several groups.

python-hl7's `unescape` does the rest (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\, \\.br\\ ...) and takes an
application map for the sequences it should not read itself: ours claims every \\X..\\
group and turns it into placeholder characters, one per byte, that are joined and decoded
after. A run that is not hex, or bytes the character set cannot read, is refused
(`BadEscape`) rather than guessed into a garbled name.
"""

import codecs
import re
from functools import lru_cache

import hl7
from hl7.util import unescape


class BadEscape(ValueError):
    """An escape we cannot read; `charset` is True when MSH-18 itself is the problem."""

    def __init__(self, message: str, *, charset: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.charset = charset


# Lone low surrogates never occur in decoded text, so each stands for one byte (0xDC00 + b)
# between python-hl7's unescape and the decoding of the joined bytes.
_BYTE = 0xDC00
_BYTES = re.compile("[\udc00-\udcff]+")


class _HexAsBytes:
    """python-hl7's `app_map` for `unescape`: claims every \\X..\\ group."""

    def __bool__(self) -> bool:
        return True

    def __contains__(self, sequence: object) -> bool:
        return isinstance(sequence, str) and sequence.startswith("X")

    def __getitem__(self, sequence: str) -> str:
        try:
            raw = bytes.fromhex(sequence[1:])
        except ValueError:
            raise BadEscape(f"\\{sequence[:20]}\\ is not a run of hex bytes") from None
        return "".join(chr(_BYTE + b) for b in raw)


_HEX = _HexAsBytes()

# MSH-18 (HL7 table 0211) as Python codecs. "UNICODE" alone (v2.3) is read as UTF-8, what
# such senders send in practice.
_NAMED = {
    "ASCII": "ascii",
    "UNICODE": "utf-8",
    "UNICODE UTF-8": "utf-8",
    "UNICODE UTF-16": "utf-16",
    "UNICODE UTF-32": "utf-32",
    "BIG-5": "big5",
    "GB 18030-2000": "gb18030",
}
_ISO_8859 = re.compile(r"^8859/(\d{1,2})$")


@lru_cache(maxsize=64)
def codec_of(msh18: str) -> str | None:
    """The codec for MSH-18's first repetition; None when it is empty (see `_decode`);
    BadEscape when it names a character set we do not know."""
    name = " ".join(msh18.upper().split())
    if not name:
        return None
    part = _ISO_8859.match(name)
    found = f"iso8859-{part.group(1)}" if part else _NAMED.get(name)
    try:
        return codecs.lookup(found).name if found else _unknown(msh18)
    except LookupError:
        return _unknown(msh18)


def _unknown(msh18: str) -> str:
    words = f"MSH-18 {msh18[:30]!r} is not a character set this service reads"
    raise BadEscape(words, charset=True)


def factory_for(msh18: str) -> type[hl7.Factory]:
    """python-hl7's container factory (its hook for specialised containers), carrying the
    message's character set to every segment."""
    return _factory(" ".join(msh18.upper().split()))


@lru_cache(maxsize=64)
def _factory(msh18: str) -> type[hl7.Factory]:
    return type("Hl7Factory", (hl7.Factory,), {"charset": msh18})


def undo(container: hl7.Segment, raw: str) -> str:
    """One value as text: python-hl7's unescape with hex runs read as bytes."""
    if container.esc not in raw:
        return raw
    text = unescape(container, raw, _HEX)
    if not _BYTES.search(text):
        return text
    codec = codec_of(getattr(container.factory, "charset", ""))
    return _BYTES.sub(lambda run: _decode(run.group(0), codec), text)


def _decode(run: str, codec: str | None) -> str:
    """Bytes in the message's character set. With no MSH-18 (HL7 says ASCII, but senders
    that leave it empty send UTF-8 or an older system's Latin-1): UTF-8 when the bytes are
    UTF-8, else Latin-1, the same reading the frame itself gets (read.decode)."""
    raw = bytes(ord(c) - _BYTE for c in run)
    if codec is None:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        raise BadEscape(f"hex escape bytes are not {codec} text") from None
