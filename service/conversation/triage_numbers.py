"""The numbers in a reply: a temperature of 100.4 F / 38.0 C or more, pain of 8/10 or more
(seeds 001, 004: fever, severe pain). Read by `triage` on a normalised reply."""

import re

FEVER_F = 100.4
FEVER_C = 38.0
SEVERE_PAIN_SCORE = 8

TEMPERATURE_WORDS = re.compile(
    r"\b(temp\w*|fever\w*|thermometer|fiebre|calentura|termometro|grados|degrees|hot|sweat\w*"
    r"|burning up|caliente|sudor\w*)\b"
)
_NUMBER_UNIT = re.compile(
    r"(?<![\d.,])(\d{2,3}(?:[.,]\d{1,2})?)\s*(°\s*[fc]?|degrees|grados|[fc]\b)?"
)
_PAIN_SCORE = re.compile(
    r"\b(\d{1,2})\s*(/|out of|of|de|sobre)\s*10\b|\b(pain|dolor)\b(\s+\w+){0,3}?\s+(\d{1,2})\b"
)


def fever_number(plain: str) -> bool:
    """A temperature of 100.4 F / 38.0 C or more: said with a unit, a decimal point or a
    word for temperature ("temp 101", "38,5", "102.3", "39°")."""
    # A reply that is only a number ("102") after a fever text is a temperature too.
    about_temperature = (
        TEMPERATURE_WORDS.search(plain) is not None or _NUMBER_UNIT.fullmatch(plain.strip())
    ) is not None
    for match in _NUMBER_UNIT.finditer(plain):
        raw, unit = match.group(1), (match.group(2) or "").replace(" ", "")
        value = float(raw.replace(",", "."))
        decimal = "." in raw or "," in raw
        if not (unit or decimal or about_temperature):
            continue
        if unit.endswith("c") or unit == "grados":
            if FEVER_C <= value < 45:
                return True
        elif unit.endswith("f"):
            if FEVER_F <= value < 115:
                return True
        elif FEVER_C <= value < 45 or FEVER_F <= value < 115:
            return True
    return False


def severe_pain_score(plain: str) -> bool:
    # "pain went from a 4 to a 9": any score said within a few words of the pain counts.
    for mention in re.finditer(r"\b(pain|dolor)\b((\s+\S+){0,8})", plain):
        said = re.sub(r"\s*(/|out of|of|de|sobre)\s*10\b", " ", mention.group(2))
        for number in re.findall(r"\b(\d{1,2})\b", said):
            if SEVERE_PAIN_SCORE <= int(number) <= 10:
                return True
    for match in _PAIN_SCORE.finditer(plain):
        score = match.group(1) or match.group(5)
        if score is not None and SEVERE_PAIN_SCORE <= int(score) <= 10:
            return True
    return False
