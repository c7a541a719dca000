"""Texts with numbers that are no answer to a check-in question: a question back, a phone
number, a clock time ("at 7", "a las 3", "7am"), a date ("march 3", "12/10/26", "my appt
is 12/10"), a share ("80%"), a day count ("day 14"), a point in time ("an hour ago",
"hace una hora", "call me in an hour"), "give me a minute", "10k steps"; and a number
for the other question's measure: pain (pain, dolor, hurts, duele, "/10", "out of 10",
rating, level, misspelt: "pian", "dolorr") beside a bare number in a walking answer, a
walking number ("walked 20", "camine como 15") in a pain answer.

Works on the reader's normalised words (reading._normalise: digits spelled, durations in
"<n> min"). Ruling a text out is the safe side: it waits in the inbox for a person.
"""

import re

from rapidfuzz.distance import OSA

_QUESTION_START = re.compile(
    r"^\W*(what|why|how|who|whos|when|where|is|are|does|do|can|should|could|which|"
    r"que|como|cuando|quien|donde|por que|cual|puedo|es)\b"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|se?ptiembre|octubre|noviembre|diciembre"
)
# Numbers that are something else: a phone number, a clock time, a date, a share.
_NOT_A_RATING = re.compile(
    r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}|\b\d{3}[\s.-]\d{4}\b|\d{7,}"
    r"|\b\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m|p\.m|o'?clock|o clock)\b|\b\d{1,2}:\d{2}\b"
    # "7 in the morning" is a time; a range ("6-7 at night") or a part of the day set
    # against the rest ("7 at night, less in the day") is how bad that part of the day is.
    r"|(?<!\d-)(?<!\d -)\b\d{1,2} (?:in the (?:morning|afternoon|evening)|at night"
    r"|de la (?:manana|tarde|noche))(?!,? (?:but |and |y |pero )?(?:less|more|better|worse"
    r"|lower|higher|menos|mas|mejor|peor)\b)"
    r"|(?:\b(?:a las?|alas|until|till|til|antes de las|despues de las) ?|@ ?)\d{1,2}\b"
    r"(?! ?(?:/|min\b|h\b))"
    r"|\b\d+(?:st|nd|rd|th|ro|er|ero)\b|[#$] ?\d|\d ?(?:%|percent|por ?ciento)"
    rf"|\b(?:{_MONTHS}) \d|\b\d{{1,2}} (?:de )?(?:{_MONTHS})\b"
    r"|\b(?:day|dia|week|semana|month|mes|on the|el dia)\s+\d+"
    # A point in time, not how long: "an hour ago", "hace una hora", "call me in 10 min".
    r"|\d min (?:ago|later|from now|earlier)\b|\bhace \d"
    r"|\b(?:call|text|llam|ring)\w*(?: \w+){0,2}? (?:in|en|within|dentro de|after|before|around"
    r"|by|at|anytime after|despues de(?: las?)?|antes de(?: las?)?|a las?) \d"
    r"|\b(?:give me|gimme|wait|hold on|hang on|just|dame|espera|espere)(?: \w+)? 1 min\b"
    # Thousands ("10k steps") and dates: "12/10/26", "my appt is 12/10".
    # A change, not a level: "2 less than yesterday", "2 menos que ayer", "down 2".
    r"|\d (?:min |points? |puntos? )?(?:less|more|lower|higher|better|worse|fewer|menos|mas"
    r"|mejor|peor)\b(?! (?:or|o)\b)"
    r"|\b(?:down|up|dropped|went up|went down|bajo|subio) (?:by |about |like )?\d+(?! ?/)"
    r"(?: (?:points?|puntos?))?(?: (?:from|since|than|desde|que|de)\b|$)"
    r"|\b\d+k\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:appt|appointment|cita|fecha|date|see you|nos vemos)\b[^/]{0,15}\d{1,2}/\d"
    r"|\b(?:on|el|the) \d{1,2}/\d"
)
# "at 7" is a clock time, unless it says where the pain is: "I'm at a 7", "it's at 7".
_AT = re.compile(r"(?:\b(?P<before>[a-z']+) )?\bat (?P<n>\d{1,2})\b(?! ?(?:/|min\b|h\b))")
_AT_A_LEVEL_WORDS = (
    "im i'm it's its is was still currently sitting stuck pain pains stay stays staying "
    "holding hovering now be been level"
)
AT_A_LEVEL = frozenset(_AT_A_LEVEL_WORDS.split())


def is_question(words: str, text: str) -> bool:
    """A question back ("what scale?", "que es esto?"): no answer, whatever its numbers."""
    return bool(_QUESTION_START.search(words)) and "?" in text


def is_something_else(words: str) -> bool:
    """The text's numbers say something else: a phone number, a time, a date..."""
    if _NOT_A_RATING.search(words):
        return True
    return any(m["before"] not in AT_A_LEVEL for m in _AT.finditer(words))


# The other question's measure, misspelt as patients type it. Pain, in a walking answer:
# "Pain is 6", "el dolor es un 4", "hurts like a 7", "a 6 on the scale".
_PAIN_NAMED = re.compile(
    r"\b(?:p(?:ai|ia|ei)ne?s?|pane|payne?s?|painful|hurt\w*|hrts?|ach(?:e|es|ey|y|ing)|sore\w*"
    r"|dol+or+(?:es|os[ao]s?)?|dolr|dlor|(?:a|en)?dolorid[oa]s?|duel[ea]n?s?|doliendo"
    r"|doli[oa]|molest\w*|rat(?:e|ed|ing)|level|nivel|escala|scale|intensity|intensidad)\b"
    r"|/ ?10\b"
)
# Walking, with its number, in a pain answer: "walked 20", "I can walk about 10",
# "camine como 15" (but "5 when I walk" is a pain rating said while walking).
_WALKING_NUMBER = re.compile(
    r"\b(?:wal+k\w*|wlk\w*|wakl\w*|camin\w*|cmin\w*|anduve|andar|andando|ande)"
    r"(?: (?:for|about|around|like|maybe|only|just|almost|nearly|roughly|approx\w*|an?|"
    r"i|can|could|como|unos|unas|por|solo|nomas|casi|mas|menos|de|alrededor|puedo)){0,3}"
    r" \d"
)


# Any other misspelling one edit from these ("dloor", "paim", "wlaked", "caminne") names
# the measure too: ruling a text out by mistake only asks the question again.
_PAIN_WORDS = ("pain", "painful", "dolor", "hurts", "hurting", "duele", "duelen")
_WALKING_WORDS = ("walk", "walked", "walking", "camine", "camino", "caminar", "caminando")


def names_pain(words: str) -> bool:
    """The text names the pain question's measure: a bare number in it is no walking time."""
    return _PAIN_NAMED.search(_put_right(words, _PAIN_WORDS)) is not None


def names_walking_number(words: str) -> bool:
    """The text gives a walking distance or time: none of its numbers is a pain rating."""
    return _WALKING_NUMBER.search(_put_right(words, _WALKING_WORDS)) is not None


def _put_right(words: str, measure: tuple[str, ...]) -> str:
    """`words` with a token one edit from a measure word (same first letter) made it."""
    return re.sub(r"[a-z]+", lambda m: _nearest(m.group(0), measure), words)


def _nearest(token: str, measure: tuple[str, ...]) -> str:
    if len(token) < 4 or token in measure:
        return token
    for word in measure:
        if word[0] == token[0] and OSA.distance(token, word) <= 1:
            return word
    return token
