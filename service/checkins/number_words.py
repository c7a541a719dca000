"""Numbers as patients text them, made digits: the first step of reading an answer.

Works on lower-cased, accent-free text (see reading._normalise). Reads, in English and
Spanish: 0-19 and the tens to 90 and their compounds ("twenty five", "twenty-five",
"veinticinco", "treinta y cinco", "diez y seis"), a hundred; the common misspellings that
are no other word ("sevn", "eigth", "sinco", "nuebe", "dies"; any other one edit away is
read by misheard_numbers.py where the answer can be nothing else); "-ish" ("sevenish");
halves on any number ("7 and a half", "siete y medio", "6 1/2", "6½", "six point five");
"a couple (of)" / "un par de" as 2 before minutes or hours. Not read as numbers, by
decision: "a few", "unos cuantos", "poquito" (no number was said: the question's short
form asks for one), and "y pico" / "and a bit" (the number stays, the rest waits for a
person).

"once" is 11 in Spanish and "one time" in English: it is 11 only where it stands as the
answer ("once", "un once", "once de diez", "once minutos"). "one" after "no", "the",
"this"... is a pronoun ("no one called"), "las dos piernas" is both legs, and "2+ hours"
is 2 hours.
"""

import re

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
    "cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9,
    # Misspellings seen in texts that are no other English or Spanish word.
    "thre": 3, "fuor": 4, "fiev": 5, "sevn": 7, "sevin": 7, "eigth": 8, "eigt": 8,
    "eihgt": 8, "nien": 9, "sero": 0, "quatro": 4, "kuatro": 4, "sinco": 5, "seys": 6,
    "nuebe": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "forteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "diez": 10, "dies": 10, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
    "veinte": 20, "beinte": 20, "treinta": 30, "trenta": 30, "cuarenta": 40,
    "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
}  # fmt: skip
# A compound's unit in any spelling above: "treinta y sinco", "twenty-sevn".
_UNIT_WORDS = "|".join(
    sorted([w for w, v in _UNITS.items() if 1 <= v <= 9] + ["un", "una"], key=len, reverse=True)
)
_ES_TEEN_UNIT = "seis|siete|ocho|nueve"


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _value(word: str) -> int:
    if word in ("un", "una"):
        return 1
    return {**_UNITS, **_TEENS, **_TENS}[word]


_TEN_AND_UNIT = re.compile(
    rf"\b(?P<tens>{_alternatives(_TENS)})(?:[\s-]?|\s+y\s+)(?P<unit>{_UNIT_WORDS})\b"
)
_VEINTI = re.compile(rf"\b[vb]einti(?P<unit>{_UNIT_WORDS})\b")
_DIECI = re.compile(rf"\b(?:dieci|diesi|die[cs]i|die[zs] y )(?P<unit>{_ES_TEEN_UNIT})\b")
_HUNDRED = re.compile(r"\b(?:(?:a|one) hundred|cien|ciento)\b")
_SINGLE = re.compile(rf"\b(?P<word>{_alternatives({**_UNITS, **_TEENS, **_TENS})})(?P<ish>ish)?\b")
# "once" as the answer itself, not "once a day".
_ONCE = re.compile(
    r"^(?P<lead>(?:(?:un|like|como|about|a) )?)once\b(?=\s*(?:/|de |out |sobre |minut|$))"
)
# Only of minutes or hours: "a couple questions" is no rating.
# "no one", "the one in my leg": a pronoun, not a number.
_PRONOUN_ONE = re.compile(
    r"\b(no|any|every|some|this|that|the|which|each|other|last|first|next|right|left) one\b"
)
_COUPLE = re.compile(r"\b(?:a )?couple(?: of)?(?= (?:min|hour|hr))|\bun par de(?= (?:min|hora))")
_POINT = re.compile(r"\b(\d+) (?:point|punto) (\d+)\b")
# "7 and a half", "siete y medio", "6 1/2", "dos horas y media" is handled with hours.
_HALF = re.compile(r"\b(\d+)(?: (?:and|&|n|y) (?:a )?(?:half|1/2|medio|media)\b| 1/2(?![\d/]))")


def spell_digits(text: str) -> str:
    """`text` with its number words written as digits."""
    text = re.sub(r"(?<=\d)\+", "", text)  # "2+ hours": 2 hours (or more)
    text = _PRONOUN_ONE.sub(r"\1 ones", text)
    text = re.sub(r"\b(?:los|las) dos\b", "ambos", text)  # "las dos piernas": both
    text = _ONCE.sub(lambda m: f"{m.group('lead')}11", text)
    text = _TEN_AND_UNIT.sub(lambda m: str(_value(m["tens"]) + _value(m["unit"])), text)
    text = _VEINTI.sub(lambda m: str(20 + _value(m["unit"])), text)
    text = _DIECI.sub(lambda m: str(10 + _value(m["unit"])), text)
    text = _HUNDRED.sub("100", text)
    text = _SINGLE.sub(lambda m: str(_value(m["word"])) + (" ish" if m["ish"] else ""), text)
    text = _COUPLE.sub("2", text)
    text = _POINT.sub(r"\1.\2", text)
    return _HALF.sub(lambda m: f"{int(m.group(1))}.5", text)
