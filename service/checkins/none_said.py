"""Saying none without a number: "no pain", "no me duele" (0 pain); "can't walk at all",
"no puedo caminar", a caregiver's "no puede caminar" (0 minutes); "nada", "none at all"
alone. And who does not walk for another reason ("uso silla de ruedas", "in bed"): no
minutes at all, a person reads it.

Works on the reader's normalised words (reading._normalise).
"""

import re

_NOT_LESS = (
    r"(?! ?(?:meds?|medications?|medicines?|killers?|pills?|relief|medicinas?|"
    r"medicamentos?|pastillas?|as much|so much|too much|as bad|that bad|tanto|mucho|como antes))"
)
ZERO_PAIN = re.compile(
    r"\b(?:(?:no|no more|zero|sin|ningun|nada de|not any|not in|without) (?:pain|dolor)"
    r"|pain(?:'s| is)? (?:all )?gone"
    r"|pain[ -]free|no hurt|(?:doesn'?t|does not|dont|don'?t) hurt|no (?:me )?duele"
    r"|(?:don'?t|do not|dont) (?:have|feel) (?:any )?pain|not hurting"
    r"|no (?:tengo|siento) (?:nada de |ningun )?dolor|no me (?:esta )?doliendo)\b" + _NOT_LESS
)
CANT_WALK = re.compile(
    r"\b(?:can ?not|can'?t|cant|cannot|unable to|could ?n'?t) (?:even )?walk\b"
    r"(?! (?:much|far|long|very|more|a lot|well|too|that|as|with|without|for|fast|like|to))"
    r"|\bno (?:(?:puedo|puede|pueden|pude|pudo) (?:ni )?(?:caminar|andar)|camino|camina)\b"
    r"(?! (?:mucho|lejos|bien|mas|tanto|rapido|sin|con|por))"
)
# Someone who does not walk for another reason: no number of minutes (a person reads it).
NOT_WALKING_AT_ALL = re.compile(
    r"\b(?:wheel ?chairs?|silla de ruedas|(?:mobility )?scooter|bed ?ridden|bed ?bound"
    r"|encamad[oa]|postrad[oa]|en cama)\b"
)
# Alone (with filler only), these say none: "nada", "none at all".
NONE_ALONE = re.compile(r"\b(?:none|(?<!de )nada|nothing|not at all|ninguno|zero)\b")
