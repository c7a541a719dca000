"""Numbers hidden in other words: voice dictation's homophones and misspelt number words.

Runs on the reader's words after the number words are spelled as digits (number_words.py)
and only when no number is left there: a word is read as a number only where the answer
cannot be anything else. Erring towards reading nothing is the safe side (the patient
gets the question's short form; a person reads the text), and a number read here is
never "plain" (reading.py): the reply waits in the inbox, so a person sees the guess.

Dictation (phones write what they hear) makes homophones of short numbers. Decided:
- "for"/"fore" (4), "to"/"too" (2), "ate" (8), "won" (1), "tree" (3) are a number only
  (a) right after a rating word ("a", "an", "say", "about", "like", "maybe", "around",
  and for all but "to"/"too" "is", "it's", "at": "pain is for", not "it's too")
  in a sentence that says nothing else ("Pain is about a for today", "I'd say a to",
  "Id say ate. Rough night"), or (b) right before minutes or hours after "for", "about",
  "like"... ("walked for for minutes" is 4 minutes, "about too hours" 2 hours).
- So "walked for 20 minutes" stays 20, "walked for hours" and "I ate" are no number, "a
  tree" in "sat under a tree" is no number, and "free" (as in "pain free"), "fine",
  "won't" are never numbers.
Misspelt number words of 4 letters or more ("sies", "seiz", "siette", "sevn", "fuor")
are read when they are one edit from a number word with the same first letter (optimal
string alignment: a swap of two letters is one edit; rapidfuzz, already the triage
matcher's dependency), or sound like a Spanish one (c/s/z, b/v, k/qu/c, silent h, sh/ch,
doubled letters: "sinko", "osho", "nuebe"), only in a sentence that says nothing else,
only when one number fits, and never when the word is a real word one edit from a number
("fine", "none", "there", "then", "does", "dice", "cuarto", "nuevo", "nite", "tues").
After a tens word a misspelt unit is read anywhere ("treinta y sinko" is 35: the tens
word says a number is being said). A misspelt number left beside numbers that were read
("sies, 4 in my back") rules the text out: the 4 may not be the worst.
"""

import re
from collections.abc import Collection

from rapidfuzz.distance import OSA

_HOMOPHONES = {"for": "4", "fore": "4", "to": "2", "too": "2", "ate": "8", "won": "1", "tree": "3"}
_RATING_LEAD_WORDS = (
    "a an say about around like maybe bout probably prob roughly approximately guess is its was at"
)
_RATING_LEADS = frozenset(_RATING_LEAD_WORDS.split())
# "I'd like to", "I'm about to", "it's too": English says these with no number in them.
_NOT_TO = {"like", "about", "is", "its", "was", "at"}
_NOT_A_LEAD = {"to": _NOT_TO, "too": _NOT_TO}
# Before minutes or hours: "walked for hours" has no number, "for for minutes" has one.
_DURATION_LEAD_WORDS = "for about around like maybe bout roughly approximately"
_DURATION_LEADS = frozenset(_DURATION_LEAD_WORDS.split())
_UNIT = re.compile(r"min|minutes?|mins?|hours?|hrs?|minutos?|horas?")
_STOPS = ".,;:!?"
# Said with a number, so no other words: "sies y medio", "a for out of 10".
_WITH_A_NUMBER = frozenset({"10", "/10", "half", "medio", "media", "ish"})
# The scale's top said with the answer ("sies de diez", "a for out of 10") is no other number.
_SCALE_TOP = re.compile(r"(?:\b(?:out of|outta|of|de|sobre|over)|/) ?10\b")

_ENGLISH = {
    "zero": 0, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SPANISH = {
    "cero": 0, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60,
    "setenta": 70, "ochenta": 80, "noventa": 90,
}  # fmt: skip
_NUMBER_WORDS = {**_ENGLISH, **_SPANISH}
# Real words (and texting's "nite", "tues") one edit from a number word: English from
# a word-frequency list and the corpora's words, checked once; Spanish by hand. Never
# read as numbers.
_REAL_WORD_LIST = """
    file fine fiver fives nice nile niner nines none thee there threes threw tree died
    dief dies diet eighth eights footy foray fort forth forts tend tens tent then ones
    siege sieve site seen semen sever zeros cerro sixth trace treme truce ties tires toes
    tree trees tries tyres dice dock dome done dope dose seas sees semis sets does dots
    flour foul fours fifth fitty twelver undo unto neuve nueva nuevo seventh thirsty elven
    ounce cinch hundreds tras tren cerdo cera cerca cuarto cuartos cuadro circo cinto
    siente sienta sientes ocio sois sean sea vente dote tiene tienes quinces crece creo
    trae cuarta cinta seres serie quine sedis severn sirte
    nite nites tonite tues trey tees steven nike nene nina nino ninas ninos nieve
    fire fired fife hive"""
_REAL_WORDS = frozenset(_REAL_WORD_LIST.split())


def _sound(word: str) -> str:
    """Spanish spelling by sound: "sinko" and "cinco", "osho" and "ocho" sound alike."""
    word = word.replace("sh", "ch").replace("ch", "x").replace("qu", "k")
    word = re.sub(r"c(?=[ei])", "s", word)
    word = word.replace("c", "k").replace("z", "s").replace("v", "b").replace("h", "")
    return re.sub(r"(.)\1", r"\1", word)


# Spanish number words by sound: "sinko" is "cinco" said, not one edit from it.
_BY_SOUND = {_sound(word): value for word, value in _SPANISH.items()}


def restore_numbers(words: str, filler: Collection[str]) -> str:
    """`words` with a homophone or a misspelt number word written as digits where the
    answer can only be that number; unchanged when `words` already holds a number."""
    if re.search(r"\d", _SCALE_TOP.sub(" ", words)):
        return words
    tokens = re.sub(r"(?<=[a-z]) ?/ ?(?=10\b)", " /", words).split(" ")  # "sies/10"
    for index, token in enumerate(tokens):
        bare = token.strip(_STOPS)
        digits = _said_for_a_number(tokens, index, bare, filler)
        if digits is not None:
            tokens[index] = token.replace(bare, digits, 1)
            return " ".join(tokens)  # one number: the answer
    return words


def _said_for_a_number(
    tokens: list[str], index: int, bare: str, filler: Collection[str]
) -> str | None:
    if bare in _HOMOPHONES:
        return _HOMOPHONES[bare] if _homophone_is_a_number(tokens, index, filler) else None
    if len(bare) < 4 or bare in _REAL_WORDS or not _rating_phrase(tokens, index, filler):
        return None
    value = misspelt_number(bare)
    return None if value is None else str(value)


def _homophone_is_a_number(tokens: list[str], index: int, filler: Collection[str]) -> bool:
    if index == 0 or tokens[index - 1].strip(_STOPS) != tokens[index - 1]:
        return False  # first, or a sentence ends just before it ("I'd say, to")
    before = tokens[index - 1]
    # "for for minutes": said straight before a unit, in the same sentence.
    goes_on = tokens[index].strip(_STOPS) == tokens[index] and index + 1 < len(tokens)
    if goes_on and _UNIT.fullmatch(tokens[index + 1].strip(_STOPS)):
        return before in _DURATION_LEADS
    if before in _NOT_A_LEAD.get(tokens[index].strip(_STOPS), ()):
        return False
    return before in _RATING_LEADS and _rating_phrase(tokens, index, filler)


def _rating_phrase(tokens: list[str], index: int, filler: Collection[str]) -> bool:
    """The sentence around `tokens[index]` says nothing but a rating would."""
    start = index
    while start > 0 and tokens[start - 1].strip(_STOPS) == tokens[start - 1]:
        start -= 1
    end = index
    while end < len(tokens) - 1 and tokens[end].strip(_STOPS) == tokens[end]:
        end += 1
    others = (tokens[i].strip(_STOPS) for i in range(start, end + 1) if i != index)
    return all(word in filler or word in _WITH_A_NUMBER for word in others if word)


def misspelt_number(word: str) -> int | None:
    """The number `word` misspells (one edit, by letter or Spanish sound), if just one."""
    if len(word) < 4 or word in _REAL_WORDS:
        return None
    found = {
        value
        for number, value in _NUMBER_WORDS.items()
        if word[0] == number[0] and OSA.distance(word, number) <= 1
    }
    if _sound(word) in _BY_SOUND:
        found.add(_BY_SOUND[_sound(word)])
    return found.pop() if len(found) == 1 else None


_UNIT_WORD = {
    "en": {v: w for w, v in _ENGLISH.items() if v < 10},
    "es": {v: w for w, v in _SPANISH.items() if v < 10},
}
# A misspelt unit after a tens word: "treinta y sinko", "twenty fivv", "veintisiette".
_COMPOUND = re.compile(
    r"\b(?P<tens>(?P<en>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-]?"
    r"|(?:veinte|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa) y |[vb]einti)"
    r"(?P<unit>[a-z]{4,})\b"
)


def mend_compounds(text: str) -> str:
    """`text` (folded, before number words are read) with a compound's misspelt unit
    spelled right: the tens word says a number is being said."""

    def mend(match: re.Match[str]) -> str:
        value = misspelt_number(match["unit"])
        if value is None or not 1 <= value <= 9:
            return match.group(0)
        return match["tens"] + _UNIT_WORD["en" if match["en"] else "es"].get(value, "")

    return _COMPOUND.sub(mend, text)


def holds_a_misspelt_number(words: str) -> bool:
    """A misspelt number word is left among numbers that were read ("sies, 4 in my
    back"): which is the answer? A person reads it rather than the reader guessing."""
    if not re.search(r"\d", words):
        return False
    if _ATE_AS_A_RATING.search(words):
        return True  # "it was ate last nite but maybe 5 now": 8 is the worse, so unsure
    return any(misspelt_number(token) is not None for token in re.findall(r"[a-z]{4,}", words))


# Dictation's "ate" where a rating is said, beside another number (round 8).
_ATE_AS_A_RATING = re.compile(r"\b(?:was|is|its|a|an|say|like|about|maybe|around) ate\b")
