"""The part of a reply that answers THIS question, before its numbers are read.

Four kinds of text around an answer (held-out round 4's misses):
- our own question quoted back ("> ... 0 (none) to 10 (worst imaginable) / 2", "how many
  minutes can you walk"): its wording, with its numbers (0, 10, 24 hours, "e.g. 20"), is
  taken out before reading; a quoted line keeps only what follows its last "?";
- a correction ("7 no wait 6", "8 no perdón 7", "6, I mean 5", "7... actually 6", "8 no
  more like 8 1/2 but 8"): only the last-said number is the answer;
- both measures in one reply ("pain 4, walking 20", "seis y camino como 10 minutos"): the
  clause that names the other question's measure is left out, when another clause keeps
  a number (else the reply still rules itself out: "walked 20" to the pain question);
- a clock time beside the score ("around 9pm it hit a 9"): "9pm" is taken out when
  another number is left; a reply with only a clock time is still no answer;
- (held-out round 7) our question asked back in the patient's words before the answer
  ("how many minutes can I walk? about 30"): what follows the last "?" is the answer,
  when the question before it holds no number but our question's own; and a day
  written as a label before the answer ("Tues 3/14: 12 min", "lunes: 20 min"): the
  label is taken out;
- (round 8) a room, a date said as when, or blocks beside the minutes, when another
  number is left (`without_other_numbers`).
Pure; `without_our_question` works on the raw text, the rest on the reader's normalised
words (reading._normalise).
"""

import re
import unicodedata

from service.checkins.not_answers import AT_A_LEVEL, names_pain, names_walking_number

# The default questions' wording (service/templates/defaults.py), folded, each piece
# optional so a part quoted back is found too. Its numbers are never an answer.
_QUESTION_WORDING = re.compile(
    r"a quick check-in on your recovery:?|una pregunta breve para saber de usted:?"
    r"|(?:from |del )?0 ?\((?:no pain|none|sin dolor|nada)\),? ?(?:to|-|al|a) ?10"
    r" ?\((?:el )?(?:worst|peor)[^)]*\),?"
    r"|(?:what was )?your worst back or leg pain in the last 24 hours,?\??"
    r"|(?:que tan fuerte fue )?su peor dolor de espalda o de pierna en las 24 horas pasadas,?\??"
    r"|(?:and )?(?:about )?how many minutes can you walk(?: before you need to stop)?\??"
    r"|(?:y,? )?(?:aproximadamente,? )?que tiempo puede caminar(?: sin tener que parar)?\??"
    r"|reply with (?:one number|the minutes)[,.]?"
    r"|responda con (?:una cifra|los minutos)[,.]?"
    r"|(?:e\.g\.|eg|for example|por ejemplo) 20\b\.?"
)
_QUOTED_LINE = re.compile(r"^\s*>+")

_NUMBER = r"\d+(?:\.\d+)?"
# A correction after a number: the text from the last one on is the answer.
_CORRECTION = re.compile(
    r"\d(?: ?min)?[\s,.;:-]*\b(?:no,? wait|wait,? no|wait|no,? sorry|sorry,? i mean|i mean"
    r"|actually|or rather|correction|oops|no,? perdon|perdon|quiero decir|mejor dicho|digo"
    r"|(?:no,? )?more like|no,? mas bien|mas bien|no)\b[\s,.:;-]*"
    rf"(?=(?:(?:it'?s|its|a|an|like|un|una|es|more|closer to|about) )*{_NUMBER}\b)"
)
# "8.5 but 8": a number, then "but" and a bare number ending the reply, takes it back.
_TAKEN_BACK = re.compile(rf"{_NUMBER}(?: min)?,? but (?=(?:a |un )?{_NUMBER}(?: min)?\W*$)")
_CLAUSE_END = re.compile(r"[,;]|\.(?!\d)|\s(?:and|y|but|pero)\s")
_MINUTES = re.compile(rf"{_NUMBER}(?:-{_NUMBER})? min\b")
# "espalda 4. camino unos 15 min": a number for a place in the body is the pain's.
_WHERE_IT_HURTS = re.compile(r"\b(?:back|legs?|hips?|buttocks?|espalda|piernas?|caderas?)\b")
_CLOCK = re.compile(
    r"(?:\b(?:around|about|at|by|from|since|until|till|after|before|como a las|a las) )?"
    r"(?:\b\d{1,2}(?::\d{2})? ?(?:-|to|and|till|until|a|y) ?)?"
    r"\b\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.?|p\.m\.?|o'?clock|o clock)(?!\w)"
)


def without_our_question(text: str) -> tuple[str, bool]:
    """`text` folded (lower case, no accents) without our question quoted back, and
    whether there was one."""
    folded = unicodedata.normalize("NFD", text.lower().replace("\u00bf", " "))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    lines = []
    quoted = False
    for line in plain.splitlines():
        if _QUOTED_LINE.match(line):
            line = _QUOTED_LINE.sub("", line).rpartition("?")[2]
            quoted = True
        asked, mark, after = line.rpartition("?")
        if mark and _only_our_numbers(asked) and re.search(r"\d", after):
            line = after  # "how long can I walk? about 30": a question back, then the answer
            quoted = True
        kept = _QUESTION_WORDING.sub(" ", " ".join(line.split()))
        quoted = quoted or kept != " ".join(line.split())
        lines.append(kept)
    return "\n".join(lines), quoted


def _only_our_numbers(asked: str) -> bool:
    """A question back holds no number but our question's own (0, 10, 24 hours, e.g. 20)."""
    return all(n in ("0", "10", "24", "20") for n in re.findall(r"\d+", asked))


def corrected(words: str) -> str:
    """The words from a correction on: "7 no wait 6" is "6"."""
    ends = [found.end() for found in _CORRECTION.finditer(words)]
    if ends:
        words = words[ends[-1] :]
    taken_back = _TAKEN_BACK.search(words)
    return words[taken_back.end() :] if taken_back else words


def this_measure_only(words: str, rating: bool, filler: frozenset[str]) -> str:
    """`words` without the clauses that answer the other question, when every clause left
    with a number answers this one: it names this measure, or says nothing but the number
    (`filler` words). `rating`: this question is the pain rating (else walking minutes)."""
    clauses = []
    last = 0
    for end in _CLAUSE_END.finditer(words):
        clauses.append(words[last : end.start()])
        last = end.end()
    clauses.append(words[last:])
    if len(clauses) < 2:
        return words
    kept = [c for c in clauses if not _answers_the_other(c, rating)]
    numbered = [c for c in kept if re.search(r"\d", c)]
    if len(kept) == len(clauses) or not numbered:
        return words
    if not all(_answers_this(c, rating, filler) for c in numbered):
        return words  # "walked 20, rested 5": the 5 is no rating; a person reads it
    return ", ".join(c.strip() for c in kept)


def _answers_this(clause: str, rating: bool, filler: frozenset[str]) -> bool:
    if all(word in filler for word in re.findall(r"[a-z']+", clause)):
        return True
    if rating:
        return names_pain(clause) or _WHERE_IT_HURTS.search(clause) is not None
    return names_walking_number(clause) or _MINUTES.search(clause) is not None


def _answers_the_other(clause: str, rating: bool) -> bool:
    if not re.search(r"\d", clause):
        return False
    walking = names_walking_number(clause) or _MINUTES.search(clause) is not None
    pain = names_pain(clause) or _WHERE_IT_HURTS.search(clause) is not None
    return walking and not pain if rating else pain and not walking


# A time said with its part of the day: "a las 2 de la manana" (always a time in Spanish),
# "at 7 this morning", "at 10 last night" (a time unless a level word comes before "at":
# "pain was at 7 this morning" is how bad it was).
_PART_OF_DAY = (
    r"(?:this|last|in the|tomorrow) (?:morning|afternoon|evening|night)|tonight|at night"
    r"|de la (?:manana|tarde|noche)|en la (?:manana|tarde|noche)|en punto"
)
_SPANISH_CLOCK = re.compile(
    rf"\b(?:como |eso de |hacia )?a la(?:s \d{{1,2}}(?::\d{{2}})?| una)(?: (?:{_PART_OF_DAY}))?"
)
_ENGLISH_CLOCK = re.compile(
    rf"(?:\b(?P<before>[a-z']+) )?\b(?:at|around|about|by) \d{{1,2}}(?::\d{{2}})? "
    rf"(?:{_PART_OF_DAY})\b"
)


def without_clock_times(words: str) -> str:
    """ "around 9pm it hit a 9" is "it hit a 9", "ocho, a las 2 de la manana" is "ocho";
    a clock time alone is left to rule the reply out (not_answers.py)."""
    rest = _SPANISH_CLOCK.sub(" ", _CLOCK.sub(" ", words))
    rest = _ENGLISH_CLOCK.sub(_unless_a_level, rest)
    return " ".join(rest.split()) if rest != words and re.search(r"\d", rest) else words


def _unless_a_level(match: re.Match[str]) -> str:
    before = match["before"] or ""
    return match[0] if before in AT_A_LEVEL else f"{before} "


_DAY = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?"
    r"|sun(?:day)?|today|yesterday|lunes|martes|miercoles|jueves|viernes|sabado|domingo"
    r"|hoy|ayer"
)
# A day written as a label before the answer: "tues 3/14: 12 min", "lunes 14/3 - 10 min".
_DAY_LABEL = re.compile(
    rf"^\s*(?:(?:{_DAY})\.?,? ?)?(?:\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)?\s*(?::|-|\u2013)\s+"
)


def without_day_label(words: str) -> str:
    """ "tues 3/14: 12 min" is "12 min": a day (a weekday, "today", a month/day) that
    labels the answer before a colon or a dash; kept when nothing with a number follows."""
    label = _DAY_LABEL.match(words)
    if (
        label is None
        or not label.group(0).strip(" :-\u2013")
        or not re.search(r"\d", words[label.end() :])
    ):
        return words
    return words[label.end() :]


# Numbers that label something else, taken out when another number is left (held-out
# round 8): a room or bed ("she's in room 12"), a date said as when ("on 10/12 i did 50
# min"), and for the walking question a count of blocks or laps beside the minutes ("like
# 3 blocks so 10 min"). Alone they still rule the reply out (not_answers.py).
_ROOM = re.compile(r"\b(?:room|rm|bed|apt|unit|cuarto|habitacion|cama) ?#? ?\d+\b")
_DATE_SAID = re.compile(
    r"\b(?:on|el|the|today|yesterday|hoy|ayer),? \(?\d{1,2}/\d{1,2}(?:/\d{2,4})?\b\)?"
    r"|\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)"
)
_COUNTED = re.compile(r"\b\d+ (?:blocks?|cuadras?|laps?|vueltas?|steps?|pasos?)\b")


def without_other_numbers(words: str, minutes: bool) -> str:
    """ "about a 5, she's in room 12" is "about a 5, she's in"; unchanged when nothing with
    a number would be left."""
    rest = _DATE_SAID.sub(" ", _ROOM.sub(" ", words))
    if minutes and _MINUTES.search(rest):
        rest = _COUNTED.sub(" ", rest)
    return " ".join(rest.split()) if rest != words and re.search(r"\d", rest) else words
