"""Reading a reply as a keyword: opt-out, opt-in, help (English and Spanish), confirm, reschedule.

Only a reply that is the keyword alone counts ("stop it please" is words for the
clinic), except reschedule requests, which patients write in sentences.
"""

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    stop = "stop"
    start = "start"
    help = "help"
    confirm = "confirm"
    reschedule = "reschedule"


# Twilio's default opt-out, opt-in and help keywords for long codes and toll-free numbers.
_CARRIER_STOP = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
CARRIER_KEYWORDS = frozenset((*_CARRIER_STOP, "START", "YES", "UNSTOP", "HELP", "INFO"))
# Spanish ones the carrier layer does not know: we confirm these ourselves.
SPANISH_KEYWORDS = frozenset(("ALTO", "PARAR", "DETENER", "AYUDA", "COMENZAR", "INICIAR"))

_KEYWORDS = {
    **dict.fromkeys((*_CARRIER_STOP, "ALTO", "PARAR", "DETENER"), Keyword.stop),
    **dict.fromkeys(("START", "YES", "UNSTOP", "COMENZAR", "INICIAR"), Keyword.start),
    **dict.fromkeys(("HELP", "INFO", "AYUDA"), Keyword.help),
    # Never CANCEL for visits: it is a carrier opt-out word.
    **dict.fromkeys(("C", "CONFIRM", "CONFIRMAR", "CONFIRMO", "CONFIRMED"), Keyword.confirm),
    **dict.fromkeys(("R", "RESCHEDULE", "CAMBIAR", "REPROGRAMAR"), Keyword.reschedule),
}
_TRIM = " \t\r\n.,;:!?¡¿'\"()[]{}-_*~`"
_RESCHEDULE_WORDING = re.compile(
    r"\b(re-?schedul\w*|move my (appointment|appt|visit)|change my (appointment|appt|visit)"
    r"|cambiar (la|mi) (cita|consulta)|reprogramar|mover (la|mi) cita|otro dia para la cita)\b"
)


def reply_word(body: str) -> str:
    """The reply without surrounding space and punctuation, upper case: ' stop. ' -> 'STOP'."""
    return body.strip(_TRIM).upper()


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def keyword_of(body: str) -> Keyword | None:
    """The keyword when the whole reply is one (any case, punctuation around it ignored);
    a reply asking in words to reschedule counts as a reschedule request."""
    word = _plain(reply_word(body)).upper()
    found = _KEYWORDS.get(word)
    if found is not None:
        return found
    if _RESCHEDULE_WORDING.search(_plain(body)):
        return Keyword.reschedule
    return None


def is_spanish_keyword(body: str) -> bool:
    return _plain(reply_word(body)).upper() in SPANISH_KEYWORDS
