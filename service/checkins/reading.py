"""Reading a patient's answer to a check-in question the way people text it (en + es).

Pure: the words and the kind of answer in, a reading (a number, or a range) out, or None
when the text is not an answer. Erring towards None is the safe side: a text that is not
read waits in the inbox for a person and the patient gets the question's short form,
whereas a number read from a non-answer ("took 2 pills") would be a false record.
Measured on the labelled corpus in tests/checkins/ by `python -m bench.check_ins`.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Scale(StrEnum):
    # A numeric rating: 0 (none) to 10 (worst imaginable) by default, or a clinic
    # question's own lowest and highest.
    zero_to_ten = "0-10"
    minutes = "minutes"  # a duration, written in minutes or hours


@dataclass(frozen=True)
class Reading:
    low: float
    high: float
    # Nothing but the answer was said: no other words a person should read.
    plain: bool

    @property
    def value(self) -> float:
        """What is recorded: a range's midpoint."""
        return (self.low + self.high) / 2


MINUTES_CEILING = 24 * 60  # "about how many minutes": a day is already not an answer

_NUMBER_WORDS = {
    "zero": 0, "cero": 0, "one": 1, "uno": 1, "two": 2, "dos": 2, "three": 3, "tres": 3,
    "four": 4, "cuatro": 4, "five": 5, "cinco": 5, "six": 6, "seis": 6, "seven": 7,
    "siete": 7, "eight": 8, "ocho": 8, "nine": 9, "nueve": 9, "ten": 10, "diez": 10,
    "eleven": 11, "once": 11, "twelve": 12, "doce": 12, "fifteen": 15, "quince": 15,
    "twenty": 20, "veinte": 20, "twenty-five": 25, "veinticinco": 25, "thirty": 30,
    "treinta": 30, "forty": 40, "cuarenta": 40, "forty-five": 45, "fifty": 50,
    "cincuenta": 50, "sixty": 60, "sesenta": 60, "ninety": 90, "noventa": 90,
}  # fmt: skip
# Whole phrases first (longest first), so "una hora y media" is not read as "una hora".
_PHRASES = (
    (r"\b(?:an? |one )?hour and a half\b", "90 min"),
    (r"\b(?:una )?hora y media\b", "90 min"),
    (r"\b(\d+(?:\.\d+)?) and a half hours?\b", r"\1.5 hours"),
    (r"\b(?:a )?half (?:an )?hour\b", "30 min"),
    (r"\bmedia hora\b", "30 min"),
    (r"\b(?:a )?quarter (?:of )?(?:an )?hour\b", "15 min"),
    (r"\bun cuarto de hora\b", "15 min"),
    (r"\b(?:an|one) hour\b", "60 min"),
    (r"\buna hora\b", "60 min"),
    (r"\b(?:a )?couple(?: of)?\b", "2"),
    (r"\bun par de\b", "2"),
    (r"\bcuarenta y cinco\b", "45"),
    (r"\bforty five\b", "45"),
    (r"\btwenty five\b", "25"),
    (r"\bout of (\d+)\b", r"/\1"),
    (r"\b(\d+(?:\.\d+)?) de (\d+)\b", r"\1/\2"),
    (r"\bon a scale of (\d+)\b", r"/\1"),
)
_QUESTION_START = re.compile(
    r"^\W*(what|why|how|who|whos|when|where|is|are|does|do|can|should|could|which|"
    r"que|como|cuando|quien|donde|por que|cual|puedo|es)\b"
)
# Numbers that are something else: a phone number, a clock time, a date, a day count.
_NOT_A_RATING = re.compile(
    r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}|\b\d{3}[\s.-]\d{4}\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m|p\.m)\b|\b\d{1,2}:\d{2}\b"
    r"|\b\d+(?:st|nd|rd|th)\b"
    r"|\b(?:day|dia|week|semana|month|mes|on the|el dia)\s+\d+"
)
_RANGE = r"(?:-|to|or|o|a)"
_QUANTITY = re.compile(
    r"(?:(?P<between>between|entre)\s+)?"
    r"(?<![\d.])(?P<a>\d+(?:\.\d+)?)"
    r"(?:\s*(?:" + _RANGE + r"|(?<=\d)\s*(?:and|y))\s*(?P<b>\d+(?:\.\d+)?))?"
    r"\s*(?P<unit>/\s*\d+|minutes?|mins?|minutos?|hours?|hrs?|horas?|h\b|m\b)?"
    r"(?:\s*(?P<other>pills?|tablets?|tabs?|tylenol|advil|ibuprofen|mg|days?|weeks?|"
    r"months?|years?|times?|blocks?|miles?|feet|ft|steps?|degrees?|pastillas?|dias?|"
    r"semanas?|meses|veces|cuadras?|pasos)\b)?"
)
_ZERO_PAIN = re.compile(
    r"(?:no|zero|0|sin|ningun|nada de|not any) (?:pain|dolor)(?: at all| ya| today| now)?"
    r"|none(?: at all)?|nada|pain free|no hurt|no duele"
)
_CANT_WALK = re.compile(
    r"(?:i )?(?:can ?not|can'?t|cannot|unable to) walk(?: at all)?"
    r"|no puedo caminar(?: nada)?"
)
# Words that may come with an answer without saying anything a person must read.
_FILLER_WORDS = (
    "a an about around like maybe probably i i'd id would say give it its it's is was "
    "pain my in the back leg legs lower right left today now ish out of and or to "
    "between min mins minute minutes hour hours hr hrs thanks thank you ok okay at all "
    "approximately roughly just only so um well pretty much de en la el las los mi "
    "pierna piernas espalda como un una dolor entre y o a unos unas mas menos gracias "
    "hoy ya es minuto minutos hora horas aproximadamente be walk can before stop"
)
_FILLER = frozenset(_FILLER_WORDS.split())


def read_answer(text: str, scale: Scale, lowest: float = 0, highest: float = 10) -> Reading | None:
    """The number (or range) `text` answers with on `scale` (a rating from `lowest` to
    `highest`, or minutes), or None if it is no answer."""
    words = _normalise(text)
    if not words or (_QUESTION_START.search(words) and "?" in text):
        return None
    if _NOT_A_RATING.search(words):
        return None
    quantities = []
    spans = []
    for match in _QUANTITY.finditer(words):
        if match.group("other"):
            return None  # "2 pills", "3 days": a number, but not the one asked for
        quantity = _quantity(match, scale, lowest, highest)
        if quantity is None:
            return None
        quantities.append(quantity)
        spans.append(match.span())
    leftover = _leftover(words, spans)
    plain = all(word in _FILLER for word in leftover)
    if not quantities:
        zero = _ZERO_PAIN if scale is Scale.zero_to_ten else _CANT_WALK
        found = zero.search(words)
        if found is None or (scale is Scale.zero_to_ten and not lowest <= 0 <= highest):
            return None
        rest = _leftover(words, [found.span()])
        return Reading(0.0, 0.0, all(word in _FILLER for word in rest))
    if scale is Scale.zero_to_ten:
        # "4 in my back, 7 in my leg": the worst is what was asked for.
        low, high = max(quantities, key=lambda q: (q[1], q[0]))
        return Reading(low, high, plain)
    if len(quantities) > 1:
        return None  # "walked 20, rested 5": which one? A person reads it.
    low, high = quantities[0]
    return Reading(low, high, plain)


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.replace("\u2019", "'").replace("\u2013", "-").replace("\u00bf", " ")
    plain = re.sub(r"(?<=\d),(?=\d)", ".", plain)  # "6,5" is six and a half in Spanish
    plain = re.sub(r"[!\"“”¡*]", " ", plain)
    for word, number in sorted(_NUMBER_WORDS.items(), key=lambda item: -len(item[0])):
        plain = re.sub(rf"\b{re.escape(word)}\b", str(number), plain)
    for pattern, replacement in _PHRASES:
        plain = re.sub(pattern, replacement, plain)
    return " ".join(plain.split())


def _quantity(
    match: re.Match[str], scale: Scale, lowest: float, highest: float
) -> tuple[float, float] | None:
    a = float(match.group("a"))
    b = float(match.group("b")) if match.group("b") else a
    low, high = min(a, b), max(a, b)
    unit = (match.group("unit") or "").replace(" ", "")
    if scale is Scale.zero_to_ten:
        if unit and unit != f"/{highest:g}":
            return None  # "3/5" on a 0-10 scale, "20 min": not on this scale
        return (low, high) if low >= lowest and high <= highest else None
    if unit.startswith("/"):
        return None
    if unit.startswith("h"):
        low, high = low * 60, high * 60
    return (low, high) if high <= MINUTES_CEILING else None


def _leftover(words: str, spans: list[tuple[int, int]]) -> list[str]:
    rest = []
    last = 0
    for start, end in spans:
        rest.append(words[last:start])
        last = end
    rest.append(words[last:])
    return re.findall(r"[a-z']+", " ".join(rest))
