"""Erring towards a person, last (issue 19): a statement that is not clearly routine.

Rounds of unseen replies kept finding signs said in words no lexicon had ("it just
trickles", "get me off the floor", "he's been soiling himself"). What a routine reply says
is a smaller set than the ways of describing a sign: thanks and yes, a ride, a visit, a
bill, food, feeling fine, a symptom said to be absent or mild, a check-in answer. So a
statement of four words or more that says something is happening (keeps, again, since,
had to, can't, no, something, siento, sigue...) with none of these in it goes to a
person; the cost is a nurse's minute when a routine wording is missing here.
"""

import re

from service.conversation.triage_change import ERRANDS

# Acknowledgements, errands, and how a routine reply says things are fine.
ROUTINE = re.compile(
    r"\b("
    # Thanks, yes, see you.
    r"ok|okay|k|thanks?|thank you|thx|ty|gracias|got it|yes|yep|yeah|sure|see you|see u"
    r"|sounds good|will do|confirm\w*|perfect\w*|listo|vale|entendido|claro|nos vemos"
    r"|hello|hi|hey|hola|buenos dias|buenas|bye|adios|wrong number|numero equivocado|number"
    r"|numero|telefono|cell|on my way|en camino|voy para alla|never ?mind|found it|disregard"
    r"|ignore|olvid\w*|no importa|just (checking|asking|wondering|curious|making sure)"
    r"|pregunt\w*|asking|checking what|por si acaso|just in case|one more|otra cosa|also"
    r"|tambien|no one|nobody|nadie"
    r"|(be|estare|estaremos) (there|ahi|alli)|ahi estare|cannot wait|get back to|volver a"
    r"|no (new |real |major |other )?(problems?|issues?|concerns?|complaints?|changes?"
    r"|worries|questions)|nothing (new|to report|wrong)|sin (problemas?|novedad|cambios)"
    r"|all good|todo (bien|vien)|vien|shower\w*|bath\w*|duch\w*|early|temprano|acost\w*"
    # A ride, a visit, a bill, a form, food, a message.
    r"|driv\w*|bring\w*|brought|ride|pick (me |him |her )?up|llev\w*|recog\w*|form\w*"
    r"|paperwork|text\w*|message|mensaje|email|correo|call me when|llamen cuando|address"
    r"|clinic\w*|queda|insurance|seguro|pay\w*|pag\w*|schedule\w*|agenda\w*|book\w*"
    r"|fasting|ayuno|water|gum|chicle|tea|juice|jugo|medicine list|meds list"
    # Fine, resting, back to oneself.
    r"|myself again|como nuev[ao]|tranquil\w*|help(s|ing|ed)?|ayud\w*|sleep\w*|slept"
    r"|dorm\w*|rest\w*|descans\w*|tired|cansad\w*|happy|feliz|content\w*|glad"
    # A check-in answer said in words: a count, a distance, a time.
    r"|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|half"
    r"|a few|couple|minutes?|mins?|hours?|blocks?|miles?|yards|steps|around the house"
    r"|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|veinte|treinta|media hora"
    r"|minutos?|horas?|cuadras?|millas?|pasos|alrededor de la casa|as (long|far|much) as"
    r"|no limit|sin limite|lo que (quiera|quiero)|todo lo que"
    r")\b"
)
_WORDS = re.compile(r"[a-zñ]+")
# Something is happening: a change, a repeat, something that cannot be done. A statement
# with none of these ("my daughter is staying with me this week") is news, not a sign.
_HAPPENING = re.compile(
    r"\b(keeps?|kept|keep on|again|all (day|night)|since|started|starting|suddenly|anymore"
    r"|still|just|came back|comes back|back again|volvio|regreso|had to|have to|has to"
    r"|cannot|wont|dont|doesnt|didnt|not|no|never|havent"
    r"|weird|strange|funny|off|something|worried|scared|feel\w*|felt|sient\w*|siento"
    r"|todavia|sigue|sigo|de repente|empez\w*|desde|otra vez|de nuevo|tuve que|tengo que"
    r"|tiene que|ya no|raro|rara|algo|nada|ni|sin|miedo|preocupad\w*)\b"
)
# A question without its question mark, as typed: "where do i park", "wat time".
_ASKED = re.compile(
    r"^\s*(where|wher|who|which|why|wat|wut|wen|whens|whats|donde|a que|que|cual|quien"
    r"|por que|cuando|cuanto)\b"
)


def unclear_statement(words: str, calm: bool) -> bool:
    """A statement (not a question, no number) of four words or more that says something
    is happening, with nothing routine in it and nothing `calm` (reassuring, mild or a
    symptom ruled out)."""
    if calm or any(ch.isdigit() for ch in words) or len(_WORDS.findall(words)) < 4:
        return False
    if _ASKED.search(words) or not _HAPPENING.search(words):
        return False
    return ROUTINE.search(words) is None and ERRANDS.search(words) is None
