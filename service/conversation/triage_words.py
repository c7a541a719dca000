"""The words of the warning signs, as patterns over a normalised reply (see `triage`).

Replies are matched after normalising: lower case, no accents, contractions spelt one
way ("can't", "cant", "cannot", "unable to" -> "cannot"), misspellings of the words
below corrected. Patterns name kinds of wording (stems, "cannot" + a verb, a sign + a
word for "a lot"), never whole sentences.

Seeds: loss of bladder or bowel control and new numbness or weakness (001, 003);
infection and bleeding at the incision (003, 004); severe or worsening pain (001, 004);
the issue's plain emergencies (a fall, chest pain, trouble breathing, confusion).
"""

from service.conversation.triage_leaning import (
    BODY_OR_SYMPTOM_WORDS,
    EVENT_OR_ALARM_WORDS,
    LEANING_PATTERNS,
    QUESTION,
    REASSURING,
)

__all__ = ["BODY_OR_SYMPTOM_WORDS", "EVENT_OR_ALARM_WORDS", "QUESTION", "REASSURING"]


_NOT = r"(cannot|havent|hasnt|no he|no ha|no puedo|no pude|no he podido|dont|didnt|wont)"
_SAY_WEE = r"(pee|peed|peeing|urinate|urinated|urinating|void|orinar|orinado|hacer pipi|pipi|mear)"


# (sign, pattern, negatable). Not negatable: the pattern already holds its negation
# ("cannot pee") or a negation that is part of the sign ("won't stop bleeding").
_BASE_PATTERNS: tuple[tuple[str, str, bool], ...] = (
    # Loss of bladder or bowel control, retention.
    ("bladder_bowel", _NOT + r" (\w+ ){0,3}" + _SAY_WEE, False),
    (
        "bladder_bowel",
        r"(cannot|dont|didnt) (hold|control|empty|feel when|tell when)"
        r"( \w+){0,2} (urine|pee|bladder|bowels?|it|go|poop|stool)",
        False,
    ),
    (
        "bladder_bowel",
        r"(cannot|didnt|dont) (feel|tell) (when|if|that) i (need|have|had)"
        r" to go",
        False,
    ),
    (
        "bladder_bowel",
        r"(cannot|didnt|dont|no longer) (feel|tell|know|notice|sense) (it |anything )?(when"
        r"|if) (i|im) (need|have|had|am|was|go|going)",
        False,
    ),
    ("bladder_bowel", r"(los[st]|loss|losing|lose|no) (of )?(\w+ ){0,2}(control|contro)", True),
    (
        "bladder_bowel",
        r"(wet|peed|peeing|pooped|pooping|soiled|pee|poop) (on )?(my ?self"
        r"|the bed|my pants|himself|herself)",
        False,
    ),
    ("bladder_bowel", r"(incontinen\w*|accident|retention)", True),
    ("bladder_bowel", r"(leaking|dribbling|leak|dribble) (\w+ )?(urine|pee)", True),
    ("bladder_bowel", r"nothing (comes|coming|came) out", False),
    ("bladder_bowel", r"(bladder|vejiga) (\w+ ){0,3}(full|llena)", True),
    (
        "bladder_bowel",
        r"(me )?(orine|hice (pipi|pis|popo|caca|del bano|encima))"
        r"|se hizo (pipi|pis|popo|caca|encima)",
        False,
    ),
    ("bladder_bowel", r"se me (sale|salio|escapa|escapo) (la )?(orina|pipi|popo)", False),
    (
        "bladder_bowel",
        r"no (controlo|puedo controlar|aguanto|puedo aguantar) (\w+ ){0,2}"
        r"(orina|pipi|intestino|vejiga|esfinter\w*|heces|popo)",
        False,
    ),
    ("bladder_bowel", r"perdi (el )?control", False),
    # Infection: fever, chills, redness, swelling, pus, drainage, smell.
    (
        "infection",
        r"(fever\w*|chills|shivering|burning up|calentura|fiebre|escalofrios"
        r"|temperatura alta|high temp\w*)",
        True,
    ),
    ("infection", r"(pus|purulent|supura\w*|infect\w*|infeccion)", True),
    ("infection", r"(red streak\w*|redness|enrojec\w*|roja|rojo)", True),
    ("infection", r"\bred\b (\w+ ){0,2}(and )?(hot|swollen|warm|puffy|angry)", True),
    ("infection", r"(incision|wound|cut|site|skin|herida) (\w+ ){0,3}(red|hot|warm|puffy)", True),
    ("infection", r"(swollen|swelling|hinchad\w*|inflamad\w*)", True),
    ("infection", r"(ooz\w*|discharge|drainage|draining|leaking|liquido|drena\w*)", True),
    ("infection", r"(smell\w*|odou?r|stink\w*|huele mal|mal olor)", True),
    ("infection", r"(shaking|shivering|temblando|tiritando|temblores)", True),
    ("infection", r"(weep\w*|supurando|gotea\w*)", True),
    (
        "infection",
        r"(wound|incision|cut|site|herida|incision) (\w+ ){0,3}(open\w*|split"
        r"|abierta|abrio|se abrio)",
        True,
    ),
    (
        "infection",
        r"(tengo|tiene|have a|has a|running a|got a) (\w+ )?(temperatura|temp"
        r"|temperature)\b",
        True,
    ),
    # Bleeding that soaks or will not stop.
    ("bleeding", r"(bleed\w*|sangra\w*|sangrado|hemorrag\w*)", True),
    ("bleeding", r"(blood|sangre)", True),
    (
        "bleeding",
        r"(soak\w*|empapad\w*) (\w+ ){0,2}(blood|through|bandages?|dressing|gauze"
        r"|shirt|sangre|vendaje|gasa)",
        True,
    ),
    # New numbness or weakness (legs, feet, groin or "saddle").
    (
        "numbness_weakness",
        r"(numb(ness|ed|ing|y)?\b|tingl\w*|pins and needles|entumec\w*|entumid\w*"
        r"|adormec\w*|hormigue\w*|dormid\w*|se me duerme\w*)",
        True,
    ),
    ("numbness_weakness", r"(weak\w*|debil\w*|buckl\w*|giv\w+ (out|way)|gave (out|way))", True),
    (
        "numbness_weakness",
        r"(cannot|no puedo) (\w+ ){0,2}(walk|stand|move|get up|caminar"
        r"|pararme|levantarme|mover)",
        False,
    ),
    (
        "numbness_weakness",
        r"cannot feel (\w+ ){0,2}(legs?|feet|foot|toes|groin"
        r"|bottom|butt|privates?|private area|down there|anything)",
        False,
    ),
    (
        "numbness_weakness",
        r"no (siento|puedo sentir) (\w+ ){0,1}(piernas?|pies?|nalgas"
        r"|entrepierna)",
        False,
    ),
    (
        "numbness_weakness",
        r"(legs?|piernas?) (\w+ ){0,2}(wont|dont|no) (hold|work|move"
        r"|responden|me responden|funcionan)",
        False,
    ),
    (
        "numbness_weakness",
        r"(barely|hardly|casi no puedo|apenas puedo) (\w+ )?(walk|stand"
        r"|move|caminar|pararme|moverme)|walking is (hard|difficult)",
        False,
    ),
    # Negatable: "no trouble walking".
    (
        "numbness_weakness",
        r"(hard|trouble|difficult|dificultad) (\w+ ){0,2}(walk\w*|standing|stand|caminar)",
        True,
    ),
    ("numbness_weakness", r"(foot|pie) (is )?(dragging|drop)|se me dobla", False),
    # Severe or worsening pain.
    ("severe_pain", r"(unbearable|excruciating|insoportable|agonizing|no aguanto)", True),
    (
        "severe_pain",
        r"(severe|worst|terrible|horrible|awful|intense|intenso|muy fuerte"
        r"|so bad|really bad|crying|sharp|shooting)( \w+){0,2} (pain|dolor)",
        True,
    ),
    (
        "severe_pain",
        r"(pain|dolor|duele)( \w+){0,6} (severe|unbearable|worse|worsening"
        r"|terrible|horrible|peor|empeora\w*|insoportable|fuerte|intenso|so bad)",
        True,
    ),
    (
        "severe_pain",
        r"(hurts?|hurting|aches?|duele|dolor) (\w+ ){0,3}(a lot|so much|so bad"
        r"|really bad|badly|mucho|muchisimo|demasiado|horrible|bastante)",
        True,
    ),
    (
        "severe_pain",
        r"(worse|worsening|peor|empeora\w*|cada vez mas)( \w+){0,3} (pain"
        r"|dolor|back|espalda)",
        True,
    ),
    # Plain emergencies.
    ("emergency", r"(fell|fall|fallen|falling|slipped|tripped|me cai\w*|se cayo|caida)", True),
    (
        "emergency",
        r"(chest|pecho) (\w+ )?(pain|tight\w*|pressure|dolor|heavy|apretado|aprieta)"
        r"|(dolor|opresion|presion|aprieta|apretad\w*) (\w+ ){0,2}(el )?pecho"
        r"|(tightness|pressure|weight) (in|on) (my |her |his )?chest|(tight|heavy) chest",
        False,
    ),
    (
        "emergency",
        r"(cannot|trouble|hard to|hard time|short of|shortness of|no puedo|no puede"
        r"|dificultad para|difficulty|struggl\w*( to)?) (\w+ ){0,2}(breath\w*|respir\w*)"
        r"|(me|le|nos|les) falta(ba|n)? (el )?aire|(me|le) cuesta (mucho )?respirar"
        r"|out of breath|gasping|breathless|ahog\w*|sofoc\w*",
        True,
    ),
    # An allergic reaction (a new medicine): hives, a rash all over, a swelling face,
    # lips, tongue or throat. A person calls; the answer says 911 in an emergency.
    (
        "emergency",
        r"hives|welts|ronchas|urticaria|allergic reaction|reaccion alergica|anaphyla\w*"
        r"|(rash|sarpullido|salpullido|granitos) (\w+ ){0,3}(all over|everywhere"
        r"|todo el cuerpo|por todo)|(lips?|tongue|face|throat|labios?|lengua|cara|garganta)"
        r" (\w+ ){0,2}(swell\w*|swollen|puffy|closing|tight|hinchad\w*|cerrand\w*|cerrad\w*)"
        r"|(swell\w*|swollen|puffy|hinchad\w*) (\w+ ){0,2}(lips?|tongue|face|throat|labios?"
        r"|lengua|cara|garganta)|(itchy|tight|scratchy) throat|(me|le) pica (la|mucho la) garganta",
        True,
    ),
    (
        "emergency",
        r"(confus\w*|confundid\w*|desorientad\w*|not making sense|not herself"
        r"|not himself)",
        True,
    ),
    (
        "emergency",
        r"(faint\w*|passed out|blacked out|black out|collaps\w*|desmay\w*"
        r"|unconscious|inconsciente)",
        True,
    ),
    ("emergency", r"(911|emergency|emergencia|ambulance|ambulancia|urgencias)", True),
    # More kinds of wording for the signs above.
    (
        "bladder_bowel",
        r"(trouble|difficulty|hard|problems?|struggling) (\w+ )?(urinat\w*|peeing|to pee"
        r"|to urinate)|peeing is (hard|difficult)|dribbl\w*",
        True,
    ),
    (
        "bladder_bowel",
        r"(peed|pooped|pee|poop|went|wet|orine|hice)( \w+){0,2} (without|sin) (knowing"
        r"|noticing|feeling|realizing|darme cuenta|sentir)",
        False,
    ),
    (
        "bladder_bowel",
        r"(soiled|wet|peed|pooped) (the |my )?(sheets|bed|pants|clothes|chair)",
        False,
    ),
    (
        "infection",
        r"(yellow|green|cloudy|white|brown|milky|amarill\w*|verde)\w* (\w+ ){0,2}(fluid"
        r"|stuff|liquid|goo|gunk)|fluid (\w+ ){0,3}(incision|wound|cut|bandage|site)",
        True,
    ),
    (
        "numbness_weakness",
        r"no (siento|puedo sentir) nada (en )?(\w+ )?(piernas?|pies?|nalgas|entrepierna)"
        r"|(perdi|sin|no tengo) (\w+ )?fuerza|(loss of|lost|losing) (strength|feeling)",
        False,
    ),
    ("emergency", r"me cuesta respirar|pass out|passing out", False),
)
PATTERNS = _BASE_PATTERNS + LEANING_PATTERNS

# Wording that contains a sign's word but is not about the sign: removed before matching.
NOT_A_SIGN = (
    r"(blood|sangre) (thinner\w*|pressure|sugar|tests?|work|draw|presion|azucar)"
    # Pads for ice or heat are not what a leaking patient wears.
    r"|(ice|heating|hot|cold|gel|cooling|heat|hielo) pads?|pads? (\w+ ){0,4}(for|de|with)"
    r" (the )?(ice|hielo|heat)"
    r"|(analisis|examen\w*|pruebas?|tests?) de sangre"
    # One trip on something underfoot, not a fall ("tripped on the rug and caught
    # myself"); a foot that catches, tripping again and again, or a fall still count.
    r"|(?<!keep )(?<!kept )(?<!keeps )(tripped|stumbled) (on|over) (the|a|an|my|his|her|some"
    r"|our) (\w+ )?(rug|carpet|mat|doormat|cord|cable|curb|step|stair|stairs|dog|cat|toy|toys"
    r"|hose|shoe|shoes|threshold|leash|box|doorstep|sidewalk)\b"
    r"|(?<!otra vez )me tropece con (la|el|un|una|mi) (\w+ )?(alfombra|tapete|escalon|cable"
    r"|perro|gato|banqueta|bordillo|juguete|manguera|zapato)\b"
    # A cold sore or a canker sore is not the wound (nor a fever blister a fever).
    r"|(cold|canker) sores?|fever blisters?|llagas? en (la boca|el labio)|fuegos? en (la boca"
    r"|el labio)"
    r"|anticoagul\w*|(fell|fall|falling|fallen) asleep|(confused|confusing) (about|by|with"
    r"|on|as to|whether|if)|cannot (wait|complain)"
    # "pain meds" is not pain, unless they are said not to work ("arent touching it").
    r"|pain (killers?|med\w*|pill\w*)\b(?! (\w+ )?(not|dont|doesnt|nothing|no) )"
    r"|(pastillas|medicinas?|medicamentos?|analgesicos?) (para el|del|de|contra el) dolor\b"
    r"(?! (\w+ )?(no|nada) )"
    # The papers given at discharge are not a discharge from the wound.
    r"|discharge (paper\w*|sheet\w*|instruction\w*|summary|packet|leaflet|form\w*|nurse)"
    r"|(bandage|dressing|gauze|tape|it|vendaje|gasa|curita) (\w+ )?(fell|falls?|falling"
    r"|se cayo|se cae)"
    # A change said not to be happening ("not getting bigger", "no esta peor").
    r"|\b(not|no|never|nothing) (getting |any |esta |se pone )?(worse|bigger|weaker|spreading"
    r"|heavier|peor|empeorando)"
)
# A sign said to be easing ("swelling going down", "bleeding stopped").
EASING = (
    r"(going down|going away|goes away|went away|gone|better|improving|improved|stopped"
    r"|less|mejor|menos|bajando|se quito|ya paro|se fue|desaparec\w*)"
)
# Signs whose mild form is ordinary: a spot of blood, a little swelling or drainage.
MILD_ORDINARY = frozenset(("bleeding", "infection"))
