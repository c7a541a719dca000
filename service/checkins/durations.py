"""Durations as patients text them, made "<n> min": the walking question's second step
(after number_words.spell_digits). English and Spanish:

- units and their abbreviations and diminutives: hours, hour, hrs, hr, h, hs, horas,
  horita(s); minutes, mins, min, m, mns, mnts, minutos, minutito(s), minutillo(s);
  "an hour", "un minuto" (the article is one);
- parts of an hour: "half an hour", "half hr", "1/2 hour", "½ hr", "media hora",
  "media horita", "a quarter (of an) hour", "un cuarto de hora", "3/4 hour",
  "three quarters of an hour", "tres cuartos de hora";
- hours and minutes: "1 hr 15 min", "1h15", "an hour 15", "una hora y 15",
  "an hour and a quarter", "hora y cuarto", "2 hours and a half", "dos horas y media";
- misspelt or dictated units: "minuets", "mintues", "mnutes", "hous", "ours", "2 oras";
- "n", "an", "'n'", "&" said for "and": "hour n half", "an hour & a half";
- ranges: "1-2 hours", "an hour or 2", "10-15 min", "30 mins to an hour", "de 20 a 30
  min", and between two durations: "between half an hour and an hour", "entre media hora
  y una hora", "desde media hora hasta una hora";
- a negated minute is none at all: "not even a minute", "ni un minuto", "less than a
  minute", "menos de un minuto" (0).

Not read, by decision (no number was said; the patient gets the question's short form
once and the text waits for a person): "a few minutes", "unos minutos", "un ratito",
"not long", "all day", "as long as I want", "todo el dia", "sin limite". A "horita"
with no number before it is "right now" in Mexican Spanish, not a duration.
"""

import re

# Misspelt and dictated too: "hous", "hors", "horus", "ours", Spanish "oras" (silent h).
_HOUR = (
    r"(?:hours?|hrs?|hs|h|horas?|horitas?|oras?|oritas?|ours|hous|hors|horus|hrous|houres"
    r"|hores|hurs)"
)
# Misspelt too: "minuets", "mintues", "minites", "mnutes", "minuttes".
_MINUTE = (
    r"(?:minutes?|mins?|mns|mnts?|mints?|minuts?|minutos?|minutitos?|minutillos?|m"
    r"|m[iy]?n[uiet]{1,5}[os]?s?)"
)
_NUMBER = r"\d+(?:\.\d+)?"
_ONE = r"(?:an?|one|1|un|una|uno)"
# The end of a unit: not followed by a letter ("h15" is an hour and 15, "hot" is not).
_END = r"(?![a-z])"

_PARTS_OF_AN_HOUR = (
    (rf"\b(?:{_ONE} )?half (?:{_ONE} )?{_HOUR}{_END}", "30 min"),
    (rf"(?<![\d.])(?:1/2|0?\.5) (?:of )?(?:{_ONE} )?{_HOUR}{_END}", "30 min"),
    (rf"\bmedia {_HOUR}{_END}", "30 min"),
    (rf"\b3 (?:quarters?|cuartos) (?:of |de )?(?:{_ONE} )?{_HOUR}{_END}", "45 min"),
    (rf"(?<![\d.])3/4 (?:of )?(?:{_ONE} )?{_HOUR}{_END}", "45 min"),
    (rf"\b(?:{_ONE} )?(?:quarter|cuarto|cuartito) (?:of |de )?(?:{_ONE} )?{_HOUR}{_END}", "15 min"),
    (rf"(?<![\d.])1/4 (?:of )?(?:{_ONE} )?{_HOUR}{_END}", "15 min"),
)
_NOT_A_MINUTE = re.compile(
    rf"\b(?:not even|not|nor|ni|no|less than|under|menos de)"
    rf" (?:(?:{_ONE}|a single) )?(?:single )?{_MINUTE}{_END}"
)
_ARTICLE = re.compile(rf"\b(?:an?|one|un|una|uno) (?={_HOUR}{_END}|{_MINUTE}{_END})")
# "una o dos horas", "un minuto o dos": the article is the range's one.
_ONE_OR = re.compile(rf"\b(?:una?|uno) (?=(?:o|u|a|y|-) {_NUMBER} ?(?:{_HOUR}|{_MINUTE}){_END})")
# "n", "an", "'n'" and "&" said for "and" before a part of an hour: "hour n half",
# "an hour an a half" (not "an hour", whose "an" is one).
_SAID_AND = re.compile(
    r"(?<=[a-z\d]) (?:n|an|'n'?|&|nd) (?=(?:a |an )?(?:half|quarter|medi[ao]|cuarto)\b)"
)
# "hora y media", "hour and a half" with no article before it.
_BARE_HOUR = re.compile(
    r"(?<![\d.] )\b(hour|hora|hr) (?=(?:and|y|&) (?:a )?(?:half|medi[ao]|quarter|cuarto|\d))"
)
_UNIT_AFTER_NUMBER = (
    (re.compile(rf"(?<=\d) ?{_HOUR}{_END}"), " h"),
    (re.compile(rf"(?<=\d) ?{_MINUTE}{_END}"), " min"),
)
_AND = r"(?: ?,? (?:and|y|&|n))?"
_HOURS_AND_A_PART = re.compile(
    rf"\b(?P<hours>{_NUMBER}) h{_AND} (?:a )?(?P<part>half|1/2|medi[ao]|quarter|cuarto)\b"
)
_HOURS_AND_MINUTES = re.compile(
    rf"\b(?P<hours>{_NUMBER}) h{_AND} ?(?P<minutes>\d{{1,2}})(?: min)?(?![\d.:/]| ?h\b)"
)
_HOURS_RANGE = re.compile(
    rf"\b(?P<a>{_NUMBER}) h (?:or|o|u|to|-|a) (?P<b>{_NUMBER})(?! ?(?:min|[\d.:/]))"
)
_HOURS = re.compile(rf"\b(?P<a>{_NUMBER})(?: ?(?:-|to|or|o|u|a|and|y) ?(?P<b>{_NUMBER}))? h\b")


# "30 mins to an hour", "media hora o una hora", "between half an hour and an hour",
# "entre media hora y una hora", "de 20 min a media hora": one range.
_MINUTES_RANGE = re.compile(
    rf"\b(?:(?:between|entre|from|de|desde) )?(?P<a>{_NUMBER}) min ?(?:-|to|or|o|u|a|hasta)"
    rf" ?(?P<b>{_NUMBER}) min\b"
    rf"|\b(?:between|entre) (?P<c>{_NUMBER}) min (?:and|y|&|n) (?P<d>{_NUMBER}) min\b"
)


def _minutes(hours: str) -> str:
    return f"{float(hours) * 60:g}"


def _hours_and_a_part(match: re.Match[str]) -> str:
    part = 30 if match["part"] in ("half", "1/2", "medio", "media") else 15
    return f"{float(match['hours']) * 60 + part:g} min"


def _hours_and_minutes(match: re.Match[str]) -> str:
    minutes = int(match["minutes"])
    if minutes >= 60:
        return match.group(0)  # "2 h 90": not hours and minutes; left as two numbers
    return f"{float(match['hours']) * 60 + minutes:g} min"


def _hours(match: re.Match[str]) -> str:
    if match["b"] is None:
        return f"{_minutes(match['a'])} min"
    return f"{_minutes(match['a'])}-{_minutes(match['b'])} min"


def in_minutes(text: str) -> str:
    """`text` (digits already spelled) with its durations written as "<n> min"."""
    text = _SAID_AND.sub(" and ", text)
    for pattern, minutes in _PARTS_OF_AN_HOUR:
        text = re.sub(pattern, minutes, text)
    text = _NOT_A_MINUTE.sub("0 min", text)
    text = _ONE_OR.sub("1 ", _ARTICLE.sub("1 ", text))
    text = _BARE_HOUR.sub(r"1 \1 ", text)
    for unit, canonical in _UNIT_AFTER_NUMBER:
        text = unit.sub(canonical, text)
    text = " ".join(text.split())
    text = _HOURS_AND_A_PART.sub(_hours_and_a_part, text)
    text = _HOURS_AND_MINUTES.sub(_hours_and_minutes, text)
    text = _HOURS_RANGE.sub(lambda m: f"{m['a']}-{m['b']} h", text)
    text = _HOURS.sub(_hours, text)
    return _MINUTES_RANGE.sub(_minutes_range, text)


def _minutes_range(match: re.Match[str]) -> str:
    low, high = (match["a"], match["b"]) if match["a"] else (match["c"], match["d"])
    return f"{low}-{high} min"
