"""Which language a patient wrote in, when it is clear: answers go back in it, whatever
the patient's profile says (a Spanish "AYUDA" or "no puedo orinar" from a profile set to
English is answered in Spanish)."""

import re
import unicodedata

from service.conversation.keywords import SPANISH_KEYWORDS, reply_word

_ENGLISH_KEYWORDS = frozenset(("HELP", "INFO", "STOP", "START", "RESCHEDULE", "UNSTOP"))
# Common function words and the words patients use about their recovery; a reply is
# clearly one language when it has at least two of its words and none of the other's.
_SPANISH = frozenset(
    [
        "no",
        "puedo",
        "tengo",
        "tiene",
        "me",
        "mi",
        "mis",
        "la",
        "las",
        "el",
        "los",
        "de",
        "del",
        "que",
        "y",
        "con",
        "sin",
        "por",
        "para",
        "estoy",
        "esta",
        "pierna",
        "piernas",
        "pie",
        "pies",
        "herida",
        "dolor",
        "fiebre",
        "orinar",
        "orina",
        "sangre",
        "sangrado",
        "mucho",
        "muy",
        "hoy",
        "ayer",
        "gracias",
        "si",
        "cita",
        "ayuda",
        "duele",
        "siento",
        "se",
        "yo",
        "usted",
        "es",
        "pero",
        "ya",
        "nada",
    ]
)
_ENGLISH = frozenset(
    [
        "i",
        "my",
        "me",
        "the",
        "a",
        "and",
        "can",
        "cant",
        "cannot",
        "not",
        "no",
        "is",
        "it",
        "im",
        "have",
        "has",
        "with",
        "to",
        "of",
        "in",
        "on",
        "at",
        "leg",
        "legs",
        "foot",
        "feet",
        "pain",
        "fever",
        "pee",
        "blood",
        "bleeding",
        "wound",
        "incision",
        "today",
        "yesterday",
        "thanks",
        "thank",
        "you",
        "yes",
        "appointment",
        "help",
        "hurts",
        "feel",
        "feeling",
        "my",
        "back",
        "what",
        "when",
    ]
)
_WORD = re.compile(r"[a-zñ]+")


def written_language(body: str) -> str | None:
    """ "es" or "en" when the reply is clearly in that language, else None."""
    word = reply_word(body)
    if word in SPANISH_KEYWORDS:
        return "es"
    if word in _ENGLISH_KEYWORDS:
        return "en"
    decomposed = unicodedata.normalize("NFKD", body.lower().replace("\u2019", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _WORD.findall(plain.replace("n\u0303", "ñ"))
    spanish = sum(w in _SPANISH and w not in _ENGLISH for w in words)
    english = sum(w in _ENGLISH and w not in _SPANISH for w in words)
    if spanish >= 2 and spanish > 2 * english:
        return "es"
    if english >= 2 and english > 2 * spanish:
        return "en"
    return None
