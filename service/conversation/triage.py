"""Does a patient's reply mention a warning sign the seeds tell them to call about?

It flags a reply for a person (the answer says what to do for the kind of sign); it
never decides anything clinical, and every reply reaches the inbox whatever it decides.
It errs towards a person (issue 19), in this order:
1. numbers: temperatures of 100.4 F / 38.0 C or more, pain of 8/10 or more
   (`triage_numbers`);
2. kinds of wording that name the sign (`triage_words`, `triage_leaning`): "can't pee",
   pus, soaking, a fall, chest pain, negated only within their clause ("no fever");
3. a body part or symptom with a change or a loss in one sentence, unless clearly
   negated (`triage_change`), and a loss of the body said without the part;
4. a statement about the body with nothing reassuring in or beside it;
5. a statement that something is happening, with nothing routine in it
   (`triage_unclear`).
Words are read as typed: contractions spelt one way, misspellings corrected by edit
distance (rapidfuzz) and Spanish also by sound (`triage_lexicon`).
"""

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from service.conversation.triage_change import (
    BODY,
    NOT_REASSURED,
    body_with_change,
    kinds_of,
    loss_said,
)
from service.conversation.triage_context import RETURNED, set_aside
from service.conversation.triage_lexicon import (
    ANSWERING_NO,
    MILD,
    NEGATION_BRIDGE,
    NEGATION_CUES,
    PROTECTED,
    SPANISH_BY_SOUND,
    VOCABULARY,
    sound,
)
from service.conversation.triage_numbers import TEMPERATURE_WORDS, fever_number, severe_pain_score
from service.conversation.triage_unclear import unclear_statement
from service.conversation.triage_words import (
    BODY_OR_SYMPTOM_WORDS,
    EASING,
    EVENT_OR_ALARM_WORDS,
    MILD_ORDINARY,
    NOT_A_SIGN,
    PATTERNS,
    QUESTION,
    REASSURING,
)

_CONTRACTIONS = (
    (
        r"\b(can ?not|can'?t|could ?n'?t|unable to|not able to|been unable to|cnt|cant'"
        r"|canot|cannt|caint|carnt)\b",
        "cannot",
    ),
    (r"\b(won'?t|will not|wnt)\b", "wont"),
    (r"\b(don'?t|do not)\b", "dont"),
    (r"\b(didn'?t|did not|didint|dident|dindt)\b", "didnt"),
    (r"\b(doesn'?t|does not|dosent|dosnt|doesent|doesen'?t)\b", "doesnt"),
    (r"\b(haven'?t|have not|hasn'?t|has not|havnt|hvnt|havent|hasnt|havn'?t)\b", "havent"),
    # "haven't been able to pee" is "cannot pee"; typed contractions too ("cnat", "cudnt").
    (r"\b(havent|not|never) been able to\b", "cannot"),
    (r"\b(cnat|cant|cannt|cudnt|couldnt|cldnt|cant)\b", "cannot"),
    (r"\b(isn'?t|aren'?t|wasn'?t|weren'?t|ain'?t)\b", "not"),
    (r"\b(i'?m)\b", "im"),
    (r"\b(it'?s)\b", "its"),
    (r"\b(there'?s|theres)\b", "there is"),
    (r"\balot\b", "a lot"),
    (r"\bfel\b", "fell"),  # too short for the spelling corrector
    (r"\bn\b", "and"),
)
_CONTRACTION_RES = [(re.compile(p), r) for p, r in _CONTRACTIONS]
_CLAUSES = re.compile(r"[.;!?\n]+|,|\bbut\b|\bpero\b|\bthough\b|\baunque\b")
# A body part and its change may sit in different clauses of a sentence ("pain down my
# leg, getting worse each day"): that rule reads whole sentences.
_SENTENCES = re.compile(r"[.;!?\n]+")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-zñ0-9']+|[°/]")
_COMPILED = [(sign, re.compile(r"\b(?:" + pattern + r")"), neg) for sign, pattern, neg in PATTERNS]
_NOT_A_SIGN = re.compile(r"\b(?:" + NOT_A_SIGN + r")")
_BODY = re.compile(r"\b" + BODY_OR_SYMPTOM_WORDS + r"|\b" + BODY + r"\b|" + EVENT_OR_ALARM_WORDS)
_BODY_WORD = re.compile(BODY)
_REASSURING = re.compile(REASSURING)
# A check-in answer ("4 in my back, 3 in my leg", "40 mins then my back hurts"): a number
# (digits or words) that is not a count of days or times ("in 4 days", "3 times").
_SCORE = re.compile(
    r"(?<![\d.,#])\d+(?!\d|[.,]\d)(?! ?(days?|dias?|hours?|hrs?|horas?|times?|veces|weeks?"
    r"|semanas?|nights?|noches?|blankets?|pads?))|\b(zero|two|three|four|five|six|seven"
    r"|eight|nine|ten|cero|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez)\b"
)
_QUESTION = re.compile(QUESTION)

_EASING = re.compile(r"^\s*(\w+ ){0,7}" + EASING + r"\b")
_NOT_EASING = re.compile(r"\b(not|no|never|havent|hasnt|didnt|doesnt|dont|wont|cannot)\b")
_MILD_ANYWHERE = re.compile(r"\b" + MILD + r"\b")
# Mild wording about the body ("a little itchy where the bandage was", "un poco de dolor"),
# not about what comes out ("very little comes out").
_MILD_BODY = re.compile(
    r"\b" + MILD + r"\b( \S+){0,3}? (" + BODY_OR_SYMPTOM_WORDS + r"|" + BODY + r"|stiff|tight)"
)
_MILD_BEFORE = re.compile(r"\b" + MILD + r"( \w+){0,3}\s*$")


def mentions_warning_sign(text: str) -> bool:
    """True when the reply mentions any warning sign (see `warning_signs`)."""
    return bool(warning_signs(text))


def warning_signs(text: str) -> list[str]:
    """The kinds of warning sign the reply mentions (bladder_bowel, infection, ...)."""
    # A hypothetical, someone else's trouble, a chronic, past or passing complaint: set
    # aside before any rule reads the reply (`triage_context`).
    plain = set_aside(_normalise(text))
    returned = RETURNED.search(plain) is not None
    found: list[str] = []
    if fever_number(plain):
        found.append("fever")
    if severe_pain_score(plain):
        found.append("severe_pain")
    for clause in _CLAUSES.split(plain):
        words = _corrected(clause)
        if not words:
            continue
        sentence = _NOT_A_SIGN.sub(" ", " ".join(words))
        for sign, pattern, negatable in _COMPILED:
            if sign in found:
                continue
            for match in pattern.finditer(sentence):
                if negatable and _ruled_out(sign, sentence, match.start(), match.end(), returned):
                    continue
                found.append(sign)
                break
    if not found:
        for sentence in _SENTENCES.split(plain):
            said = _NOT_A_SIGN.sub(" ", " ".join(_corrected(sentence)))
            if body_with_change(said, _negated):
                found += [k for k in kinds_of(said) if k not in found] or ["change_or_loss"]
    if not found and _unreassured_body(plain):
        found.append("needs_a_person")
    if not found:
        for sentence in _SENTENCES.split(plain):
            found += _unreassured_loss(sentence)
        found = list(dict.fromkeys(found))
    if not found and _unclear(plain):
        found.append("needs_a_person")
    return found


def _unclear(plain: str) -> bool:
    """A statement that is not clearly routine (see `triage_unclear`)."""
    if _QUESTION.search(plain):
        return False
    clauses = [_NOT_A_SIGN.sub(" ", " ".join(_corrected(c))) for c in _CLAUSES.split(plain)]
    # Checked on the words as typed too: a correction may turn "camine" into "camino".
    calm = any(
        _REASSURING.search(NOT_REASSURED.sub(" ", text))
        or _MILD_BODY.search(text)
        or any(_negated(text, m.start(), m.end()) for m in _BODY.finditer(text))
        for text in (*clauses, *_CLAUSES.split(plain))
    )
    return unclear_statement(" ".join(clauses), calm)


def _unreassured_loss(sentence: str) -> list[str]:
    """The kinds of a loss stated without the part it happened to ("it went dead",
    "couldn't hold it"), not negated and not about an errand (see `loss_said`)."""
    if _QUESTION.search(sentence):
        return []
    words = _NOT_A_SIGN.sub(" ", " ".join(_corrected(sentence)))
    if not loss_said(words, _negated):
        return []
    return kinds_of(words) or ["needs_a_person"]


def _unreassured_body(plain: str) -> bool:
    """A statement about the body, or an event or alarm (a fall, "something happened"),
    in a clause with nothing reassuring in it (see BODY_OR_SYMPTOM_WORDS): not negated,
    easing or mild. A reply with a number is left to the temperature and pain readings."""
    # A score: a check-in answer ("4 in my back, 3 in my leg"), and the temperature and
    # pain readers above have read it.
    reading = TEMPERATURE_WORDS.search(plain) and re.search(r"\d", plain)
    if _QUESTION.search(plain) or _SCORE.search(plain) or reading:
        return False
    clauses = _CLAUSES.split(plain)
    said = [(clause, _NOT_A_SIGN.sub(" ", " ".join(_corrected(clause)))) for clause in clauses]
    mentions = [list(_BODY.finditer(sentence)) for _, sentence in said]
    # Checked on the words as typed too. A clause that rules a symptom out ("legs are not
    # numb", "no drainage") says how things are, like a reassuring word.
    calm = [
        any(_REASSURING.search(NOT_REASSURED.sub(" ", t)) or _MILD_ANYWHERE.search(t) for t in s)
        or any(_negated(s[1], m.start(), m.end()) for m in found)
        for s, found in zip(said, mentions, strict=True)
    ]
    for index, (_, sentence) in enumerate(said):
        # Reassurance counts where it is said, or just before or after ("sore but
        # manageable", "feeling good, walking every day"), not across the whole reply.
        if any(calm[max(0, index - 1) : index + 2]):
            continue
        for match in mentions[index]:
            if not _ruled_out("infection", sentence, match.start(), match.end()):
                return True
    return False


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    for pattern, replacement in _CONTRACTION_RES:
        plain = pattern.sub(replacement, plain)
    return plain


def _corrected(clause: str) -> list[str]:
    return [_correct(token) for token in _TOKEN.findall(clause)]


@lru_cache(maxsize=20_000)
def _correct(token: str) -> str:
    """A misspelt sign word put right ("bleding" -> "bleeding", "erida" -> "herida");
    other words unchanged."""
    token = token.strip("'")
    if len(token) >= 3 and token not in PROTECTED and token not in _VOCABULARY_SET:
        heard = SPANISH_BY_SOUND.get(sound(token))
        if heard is not None:
            return heard
    if len(token) < 4 or token in PROTECTED or token in _VOCABULARY_SET or token.isdigit():
        return token
    allowed = 1 if len(token) < 8 else 2
    # Only words with the same first letter: a different one is more often another
    # word than a typo ("never" is not "fever").
    candidates = _BY_FIRST_LETTER.get(token[0], ())
    best = extractOne(token, candidates, scorer=Levenshtein.distance, score_cutoff=allowed)
    return token if best is None else str(best[0])


_VOCABULARY_SET = frozenset(VOCABULARY)
_BY_FIRST_LETTER: dict[str, tuple[str, ...]] = {}
for _word in VOCABULARY:
    _BY_FIRST_LETTER[_word[0]] = (*_BY_FIRST_LETTER.get(_word[0], ()), _word)


def _negated(clause: str, start: int, end: int) -> bool:
    """A negation cue just before the words at start..end, with only bridging words
    between ("no fever", "no tengo fiebre", "no numbness or tingling", "no trouble")."""
    before = clause[:start].split()
    for index in range(len(before) - 1, max(-1, len(before) - 7), -1):
        word = before[index]
        if word in NEGATION_CUES:
            # A "no" that answers, typed without a comma: "no my legs are dead".
            return not (index == 0 and word == "no" and before[1:2] and before[1] in ANSWERING_NO)
        # "no tengo problemas para orinar" is negated; "no para de sangrar" is not.
        # Body words bridge too: "no bladder problems", "no leg pain".
        bridge = word in NEGATION_BRIDGE or _BODY_WORD.fullmatch(word) is not None
        if not bridge or (word == "para" and before[index - 1 : index] == ["no"]):
            break
    return False


def _ruled_out(sign: str, sentence: str, start: int, end: int, returned: bool = False) -> bool:
    """Negated within its clause ("no fever"), easing ("swelling going down") unless said
    not to ("hasn't stopped") or to have come back, or a mild form of something ordinary
    ("a spot of blood")."""
    if _negated(sentence, start, end):
        return True
    easing = _EASING.match(NOT_REASSURED.sub(" ", sentence[end:]))
    if easing and not returned and not _NOT_EASING.search(easing.group(0)):
        return True
    return sign in MILD_ORDINARY and _MILD_BEFORE.search(sentence[:start]) is not None
