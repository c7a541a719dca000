"""Reading a patient's answer to a check-in question the way people text it (en + es).

Pure: the words and the kind of answer in, a reading (a number, or a range) out, or None
when the text is not an answer. Erring towards None is the safe side: a text that is not
read waits in the inbox for a person and the patient gets the question's short form,
whereas a number read from a non-answer ("took 2 pills") would be a false record.

The flow: the text is folded (lower case, no accents), its number words made digits
(number_words.py; dictation's homophones and misspelt number words where the answer can
be nothing else: misheard_numbers.py), its durations made minutes (durations.py), "out
of" in all its spellings made "/" and a hedge ("like a 6 maybe 7") made a range; then
what is not a rating (a phone number, a clock time, a date: not_answers.py; a count of
pills or days) rules the text out, and so does a number for the OTHER question's
measure ("Pain is 6" to the walking question, "walked 20" to the pain question): it is
never recorded as this question's answer. The numbers left are the answer. A rating
above the top of its scale ("11/10", "a 15", "off the charts") records nothing, but
`is_above_scale` says so: the patient is telling us the worst, and the reply goes to a
person as urgent.
Measured on the labelled corpus in tests/checkins/ by `python -m bench.check_ins`.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from service.checkins.answer_parts import (
    corrected,
    this_measure_only,
    without_clock_times,
    without_day_label,
    without_other_numbers,
    without_our_question,
)
from service.checkins.durations import in_minutes
from service.checkins.misheard_numbers import (
    holds_a_misspelt_number,
    mend_compounds,
    restore_numbers,
)
from service.checkins.none_said import CANT_WALK, NONE_ALONE, NOT_WALKING_AT_ALL, ZERO_PAIN
from service.checkins.not_answers import (
    is_question,
    is_something_else,
    names_pain,
    names_walking_number,
)
from service.checkins.number_words import spell_digits


class Scale(StrEnum):
    # A numeric rating: 0 (none) to 10 (worst imaginable) by default, or a clinic
    # question's own lowest and highest.
    zero_to_ten = "0-10"
    minutes = "minutes"  # a duration, written in minutes or hours


@dataclass(frozen=True)
class Reading:
    low: float
    high: float
    # Nothing but the answer was said: no other words a person should read. A number
    # read from a homophone or a misspelling ("a for", "sies") is not plain: a person
    # sees what was guessed.
    plain: bool

    @property
    def value(self) -> float:
        """What is recorded: a range's midpoint."""
        return (self.low + self.high) / 2


MINUTES_CEILING = 24 * 60  # "about how many minutes": a day is already not an answer
# A rating up to ten times its top ("a 15", "100") is an emphatic worst; a bigger
# number (a year, a count) is not a rating at all.
ABOVE_SCALE_FACTOR = 10

_NUMBER = r"\d+(?:\.\d+)?"
# "24 hours" here is the question's window, not an answer.
_WINDOW = re.compile(
    r"\b(?:in |en )?(?:the |las )?(?:last|past|ultimas?) 24 (?:hours|hrs|h|horas)\b"
)
_SCALE_WORDS = r"(?:(?:on|in|from|en) )?(?:(?:a|the|my|una|la) )?(?:pain )?(?:scale|escala)"
_SCALE_SAID = re.compile(
    # "7/10 on the scale", "6 out of 10 on the pain scale": the 10 is the top, not a rating.
    r"(?:(?<![\d./])(?<!of )(?<!out )(?<!over )(?<!de )(?<!sobre )"
    rf"(?P<n>{_NUMBER}))?,? ?(?:{_SCALE_WORDS}(?: (?:of|from|de|del))?"
    r"(?: (?:0|1) ?(?:-|to|a|al|through|thru) ?(?P<top>\d+)| (?P<only>\d+))?"
    r"|\b(?:from|de|del) (?:0|1) (?:-|to|a|al) (?P<span>\d+)\b)"
)
_OUT_OF = re.compile(
    rf"(?P<n>{_NUMBER}) ?(?:out of|outta|outa|out a|out o|out|of|over|sobre|de|/) ?(?P<top>\d+)\b"
)
_HEDGE = re.compile(
    rf"(?P<a>{_NUMBER})(?P<unit> ?/ ?\d+| min)?,? (?:or |o )?"
    r"(?:maybe|possibly|perhaps|probably|prob|prolly|might be|could be|or even|tal vez|"
    r"talvez|quizas?|a lo mejor|o hasta|hasta)"
    rf" (?:(?:a|an|un|like|como|about) )?(?P<b>{_NUMBER})(?P<unit2> ?/ ?\d+| min)?"
)
# A number said as a rating: "a 15", "un 12", "level 11".
_RATED = re.compile(r"\b(?:an?|una?|level|nivel) $")
_OTHER = (
    r"pills?|tablets?|tabs?|tylenol|advil|aleve|motrin|ibuprofen|percocet|norco|mg|ml|"
    r"days?|weeks?|months?|years?|yrs?|times?|blocks?|miles?|km|kilometers?|meters?|"
    r"feet|ft|steps?|yards?|laps?|degrees?|lbs?|pounds?|pastillas?|dias?|semanas?|meses|"
    r"anos|veces|cuadras?|pasos|vueltas?|kilometros?|metros?|grados|libras|"
    r"questions?|preguntas?|things?|cosas?|dudas?|secs?|seconds?|segundos?"
)
_QUANTITY = re.compile(
    rf"(?<![\d./])(?P<a>{_NUMBER})"
    rf"(?: ?(?:-|to|or|o|u|a|and|y|&) ?(?:(?:an?|una?) )?(?P<b>{_NUMBER}))?"
    rf" ?(?P<unit>/ ?\d+|min\b)?"
    rf"(?: ?(?:more |other |mas |otras? |a |per |al |por )?(?P<other>{_OTHER})\b)?"
)
_ABOVE_PHRASE = (
    r"off the (?:charts?|scale)|through the roof|fuera de (?:la )?escala|por las nubes"
    r"|\b(?:(?:more|higher|worse|greater) than|beyond|above|over|past|mas de|mas que"
    r"|arriba de|encima de|sobre) (?:a |an |el |un )?{top}\b(?! ?(?:min\b|" + _OTHER + r"))"
)
# Words that may come with an answer without saying anything a person must read.
_FILLER_WORDS = (
    "a an about around like maybe probably i i'd id would say give it its it's is was "
    "pain my in the back leg legs lower right left today now ish out of and or to "
    "between min mins minute minutes hour hours hr hrs h thanks thank you ok okay at all "
    "approximately roughly just only so um well pretty much de en la el las los mi "
    "pierna piernas espalda como un una dolor entre y o a unos unas mas menos gracias "
    "hoy ya es minuto minutos hora horas aproximadamente be walk can before stop solid "
    "perhaps possibly prob prolly guess think im i'm on scale escala nomas creo diria "
    "tal vez quizas quiza maybe none nada nothing zero less les than more under over least"
)
_FILLER = frozenset(_FILLER_WORDS.split())


def read_answer(text: str, scale: Scale, lowest: float = 0, highest: float = 10) -> Reading | None:
    """The number (or range) `text` answers with on `scale` (a rating from `lowest` to
    `highest`, or minutes), or None if it is no answer."""
    reading, _ = _read(text, scale, lowest, highest)
    return reading


def is_above_scale(text: str, scale: Scale, lowest: float = 0, highest: float = 10) -> bool:
    """True when `text` rates above the top of its scale ("11/10", "a 15", "off the
    charts"): no number is recorded, but a person must hear of it now."""
    if scale is not Scale.zero_to_ten:
        return False
    _, above = _read(text, scale, lowest, highest)
    return above


def _read(text: str, scale: Scale, lowest: float, highest: float) -> tuple[Reading | None, bool]:
    """(the reading or None, whether a rating above the scale's top was said)."""
    # A Roman numeral in capitals ("Pain level VII") is its number (not IV: an IV is a drip).
    text = _ROMAN.sub(lambda m: _ROMAN_VALUES[m.group(0)], text)
    text, quoted = without_our_question(text)
    said, guessed = _normalise(text, highest)
    # Only the part that answers this question is read; what was left out, a person reads.
    minutes = scale is Scale.minutes
    words = corrected(without_clock_times(without_day_label(said)))
    words = without_other_numbers(words, minutes)
    words = this_measure_only(words, scale is Scale.zero_to_ten, _FILLER)
    guessed = guessed or quoted or words != said
    if not words or is_question(words, text) or is_something_else(words):
        return None, False
    if holds_a_misspelt_number(words):
        return None, False  # "sies, 4 in my back": the 6 is not read, so the 4 is not sure
    if scale is Scale.zero_to_ten and names_walking_number(words):
        return None, False  # "walked 20": the walking question's answer, not a rating
    if scale is Scale.zero_to_ten:
        top = re.escape(f"{highest:g}")
        if re.search(_ABOVE_PHRASE.format(top=top), words):
            return None, True
    quantities: list[tuple[float, float]] = []
    spans = []
    above = False
    for match in _QUANTITY.finditer(words):
        if match.group("other"):
            return None, False  # "2 pills", "3 days": a number, but not the one asked for
        rated = _RATED.search(words, 0, match.start()) is not None
        if scale is Scale.minutes and names_pain(words):
            rated = True  # "Pain is 6", "el dolor es un 4": the pain question's number
        quantity = _quantity(match, scale, lowest, highest, rated)
        if isinstance(quantity, str):  # "above": said as a rating ("11/10", "a 15")?
            if not (match["unit"] or rated):
                return None, False  # a bare "15" may be minutes or a typo: ask again
            above = True
            continue
        if quantity is None:
            return None, False
        quantities.append(quantity)
        spans.append(match.span())
    if above:
        return None, True
    plain = _is_filler(_leftover(words, spans)) and not guessed
    if not quantities:
        return _zero(words, scale, lowest), False
    if scale is Scale.zero_to_ten:
        # "4 in my back, 7 in my leg": the worst is what was asked for.
        low, high = max(quantities, key=lambda q: (q[1], q[0]))
        return Reading(low, high, plain), False
    if len(quantities) > 1:
        return None, False  # "walked 20, rested 5": which one? A person reads it.
    low, high = quantities[0]
    return Reading(low, high, plain), False


def _normalise(text: str, highest: float) -> tuple[str, bool]:
    """The words folded, numbers as digits, durations in minutes; and whether a number
    was guessed from a homophone or a misspelling."""
    # A keycap emoji ("3\ufe0f\u20e3") is its digit; "less then" is "less than".
    text = re.sub("[\ufe0f\u20e3]", "", text)
    text = text.lower().replace("\u00bd", " 1/2").replace("\u00bc", " 1/4")
    text = re.sub(r"\b(less|les|more|mor|fewer) then\b", r"\1 than", text)
    text = re.sub(r"\bb4\b", "before", text)  # texting's "b4" holds no number
    folded = unicodedata.normalize("NFKD", text.replace("\u00be", " 3/4"))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    for odd, usual in (("\u2019", "'"), ("\u2013", "-"), ("\u2014", "-"), ("\u2044", "/")):
        plain = plain.replace(odd, usual)
    plain = re.sub(r"(?<=\d),(?=\d)", ".", plain)  # "6,5" is six and a half in Spanish
    plain = re.sub(r"(?<=\d) ?~ ?(?=\d)", "-", plain)  # "7~8" is a range
    plain = re.sub(r"[!\"“”¡¿*~]", " ", plain)
    spelled = spell_digits(mend_compounds(" ".join(plain.split())))
    plain = restore_numbers(spelled, _FILLER)
    guessed = plain != spelled
    if guessed:
        plain = spell_digits(plain)  # "sies y medio": the half, on the number now found
    plain = _WINDOW.sub(" ", plain)
    plain = _SCALE_SAID.sub(lambda m: _scale_said(m, highest), plain)
    plain = _OUT_OF.sub(r"\g<n>/\g<top>", plain)
    plain = in_minutes(plain)
    plain = _HEDGE.sub(_hedged, plain)
    return " ".join(plain.split()), guessed


_ROMAN_VALUES = {"II": "2", "III": "3", "VI": "6", "VII": "7", "VIII": "8", "IX": "9"}
_ROMAN = re.compile(r"\b(?:VIII|VII|VI|III|II|IX)\b")


def _scale_said(match: re.Match[str], highest: float) -> str:
    """ "7 on a scale of 1 to 10" is "7/10"; the scale said alone is no number."""
    top = match["top"] or match["only"] or match["span"] or f"{highest:g}"
    if match["span"] is not None and float(top) != highest:
        return match.group(0)  # "de 1 a 2 horas": a range, not the scale
    if match["n"] is None:
        # "on a scale of 1 to 10" said alone is no number; "off the scale" keeps its words.
        return " " if match["top"] or match["only"] or match["span"] else match.group(0)
    return f"{match['n']}/{top}"


def _hedged(match: re.Match[str]) -> str:
    """ "6 maybe 7" is the range 6-7: its midpoint is recorded, its worse end escalates."""
    unit = match["unit"] or match["unit2"] or ""
    return f"{match['a']}-{match['b']}{unit}"


def _quantity(
    match: re.Match[str], scale: Scale, lowest: float, highest: float, rated: bool
) -> tuple[float, float] | str | None:
    """(low, high), "above" for a rating over the top, or None: not an answer here."""
    a = float(match.group("a"))
    b = float(match.group("b")) if match.group("b") else a
    low, high = min(a, b), max(a, b)
    unit = (match.group("unit") or "").replace(" ", "")
    if scale is Scale.zero_to_ten:
        if unit and unit != f"/{highest:g}":
            return None  # "3/5" on a 0-10 scale, "20 min": not on this scale
        if match["b"] and high == highest and low in (lowest, 1):
            return None  # "1-10": the scale quoted, not a rating
        if high > highest and high <= highest * ABOVE_SCALE_FACTOR and low >= lowest:
            return "above"
        return (low, high) if low >= lowest and high <= highest else None
    if unit.startswith("/") or (not unit and rated):
        return None  # "7/10", "it's an 8", "pain is 6": a rating, not minutes
    if not unit and (low % 1 or high % 1):
        return None  # a bare "1.5": hours or minutes? Asked again, not guessed
    return (low, high) if high <= MINUTES_CEILING else None


def _zero(words: str, scale: Scale, lowest: float) -> Reading | None:
    """ "no pain", "can't walk at all", "nada": none, when none is on the scale."""
    if scale is Scale.zero_to_ten and not lowest <= 0:
        return None
    if scale is Scale.minutes and NOT_WALKING_AT_ALL.search(words):
        return (
            None  # "no camino, uso silla de ruedas": not the pain's "can't walk"; a person reads it
        )
    said = ZERO_PAIN if scale is Scale.zero_to_ten else CANT_WALK
    found = said.search(words)
    if found is not None:
        return Reading(0.0, 0.0, _is_filler(_leftover(words, [found.span()])))
    alone = NONE_ALONE.search(words)
    if alone is not None and _is_filler(_leftover(words, [alone.span()])):
        return Reading(0.0, 0.0, True)
    return None


def _is_filler(words: list[str]) -> bool:
    return all(word in _FILLER for word in words)


def _leftover(words: str, spans: list[tuple[int, int]]) -> list[str]:
    rest = []
    last = 0
    for start, end in spans:
        rest.append(words[last:start])
        last = end
    rest.append(words[last:])
    return re.findall(r"[a-z']+", " ".join(rest))
