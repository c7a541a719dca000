"""Erring towards a person (issue 19): a body part or a symptom said with a change or a loss.

The matcher's main rule, read by `triage` on a normalised, spell-corrected reply: in one
sentence, a word for a place on the body or a symptom (leg, bladder, wound, numb, fever,
pierna, herida, cortada...) and a word for a change or a loss (worse, can't, won't, dead,
drags, gave out, trouble, leaking, weird, different, funny, not right, peor, no puedo, no
siento, se me cae...), in either order, at any distance. It is urgent unless clearly
negated ("no fever", "no trouble peeing", "sin problemas") or, for a soft change only
(different, weird, heavy), clearly reassured in its clause or the next ("feel different,
so much better"). A loss is never softened: "came apart a bit" is a wound coming apart, and
"no siento nada" is a loss of feeling, not a negation.
"""

import re
from collections.abc import Callable

# negated(clause, start, end): the word at start..end of the clause is clearly negated.
Negated = Callable[[str, int, int], bool]


def _any(*alternatives: str) -> str:
    return "(" + "|".join(alternatives) + ")"


# Where a change is felt, and what is felt. Stems, so "legs", "numbness", "hinchada" match.
BODY = _any(
    # Legs and feet, the saddle area, bladder and bowels, the back and the incision.
    r"legs?|foot|feet|toes?|thighs?|knees?|ankles?|calf|calves|shins?|hips?|heels?|bum",
    r"butt|butts|butt cheeks?|bottom|buttocks?|groin|crotch|privates?|private (parts|area)",
    r"genital\w*",
    r"penis|vagina|rectum|anus|saddle|seat area|perine\w*|down there|bladder|bowels?",
    r"urin\w*|pee|peed|pees|peeing|wee|poop\w*|stool|bm|toilet|potty|bathroom",
    r"wip(e|es|ed|ing)|water ?works|number (1|one|2|two)|bowel movement|del dos|sit|sits|sitting",
    r"sentad\w*|sentarme",
    r"(my|his|her|lower|upper|the) back|back (pain|hurt\w*|ache\w*|is|feels?)|steri\w*",
    r"strips?|glue",
    r"spine|incision|wound|cut|stitch\w*|staples?|scar|site|dressing|bandage|gauze|skin",
    # The incision as patients see it: a small hole where the instruments went in.
    r"holes?|puncture\w*|where (they|the doctor|the needle|it) (went|go|goes|was put) in",
    r"hoy(o|ito)|agujer(o|ito)|donde (me|le) (picaron|entraron|metieron|abrieron)|piquete",
    # What is felt.
    r"pain|pains|painful|ach(e|es|ing|y)|hurt\w*|sore\w*|numb(ness|ed|ing|y|s)?|tingl\w*|weak\w*",
    r"swell\w*|swollen|red|redness|fever\w*|temp|temperature|chills?|sweat(s|y|ing|ed)?|pus",
    r"drainage|discharge|blood\w*|bleed\w*|sciatica|nerves?|feeling|sensation|balance",
    r"walk|walks|walking|stand|standing|head|headache|arms?|hands?|chest|breath\w*|side",
    r"piernas?|pies?|dedos|muslos?|rodillas?|tobillos?|pantorrillas?|caderas?|talon\w*",
    r"nalgas?|trasero|pompis|sentaderas|entrepierna|partes|ahi abajo|vejiga|intestino\w*",
    r"orin\w*|pipi|pis|popo|caca|heces|bano|limpio|limpiarme|espalda|columna|cintura|abajo",
    r"mear|meo|meado|meando|mee|me mee",
    r"tailbone|coccyx|pelvis|pelvic|waist down|lower half|rear( end)?|hiney|junk|testicles?",
    r"balls|scrotum|vulva|labia|pubic|cola|colita|pompas|coxis|pubis|genitales|ano|recto",
    # Where a leak or a wound shows: clothes, the bed, a drain, what comes out.
    r"pants|underwear|sheets|bed|pantalon\w*|calzon\w*|sabanas|cama|drain\w*|fluid|liquid",
    r"liquido|agua",
    r"herida|cortad\w*|incision|puntos|grapas|cicatriz|vendaje|venda|gasa|curita|piel",
    r"dolor\w*|duel\w*|molest\w*|entum\w*|adormec\w*|hormig\w*|debil\w*|hinch\w*",
    r"inflam\w*|fiebre|calentura|escalofrios|sudor\w*|sangr\w*|ciatica|nervio\w*",
    r"sensibilidad|sensacion|equilibrio|camin\w*|cabeza|brazos?|manos?|pecho|fuerza",
)
# A loss of what the body does, plain enough to go to a person even without naming the
# part ("it went dead", "can't feel it", "leaking", "no aguanto"). Never softened by
# reassurance, only by a clear negation of the word itself.
LOSS_OF_THE_BODY = _any(
    r"numb|pins and needles|no feeling|without feeling|went (dead|numb)|gone (dead|numb)",
    r"(cannot|dont|didnt|doesnt|no longer|havent|hasnt) (feel|felt|sense)",
    r"(cannot|dont|didnt) (tell|notice) when",
    # What the body does, said not to happen: a loss, where a symptom said not to happen
    # is reassurance ("not peeing", "no camina" against "no fever", "no pain").
    r"(not|isnt|arent|never) (really |much |even |well )?(pee(ing)?|urinat\w*|poop(ing)?"
    r"|walk(ing)?|mov(e|ing)|stand(ing)?|feel(ing)?|hold(ing)?|lift(ing)?)\b",
    r"no (esta |estoy |me |se |le |lo |la )?(orin|camin|muev|sient|levant|aguant|mea|meo)\w*",
    r"(no se|dont know|cannot tell|no puedo saber) (cuando|when|if i need)",
    r"(less|menos|barely( any)?|hardly( any)?|casi no|apenas) (feeling|sensation|strength"
    r"|control|feel|move|lift|walk|fuerza|sensibilidad|siento|muevo|camino|puedo)",
    r"(feeling|sensation|sensibilidad|sensacion|control|strength|fuerza) (\w+ ){0,6}(gone"
    r"|went away|goes away"
    r"|comes and goes|se fue|se va|se me fue)",
    r"like (jelly|rubber|lead|noodles|concrete|wood|novocaine|a dentist)",
    r"not (to |being able to )?feel|(isnt|not|wasnt) there|apart|not (together|closed|shut)",
    r"stopped (\w+ )?(hold|work|mov|respond|listen|cooperat|support)\w*",
    # A part that does not do what it did: "my toes don't move", "can't hold it".
    r"(cannot|dont|doesnt|didnt|not|wont) (\w+ )?(move|moving|lift\w*|bend\w*|hold\w*"
    r"|respond\w*|cooperat\w*|empty\w*|wake\w*|control\w*)",
    r"(havent|hasnt) (\w+ )?(peed|pooped|urinated|had a (bowel|bm|poop))",
    r"nothing (comes|came|coming)|only (drops|a few drops)|leak\w*|dribbl\w*",
    # Retention and overflow said as what happens: a strain, a trickle, going again.
    r"strain\w*|trickl\w*|soil\w*|ensuci\w*|(little|nothing|barely anything|poquito|nada)"
    r" (\w+ )?(comes?|came|coming|sale|salio)( out)?|still (have|need) to go"
    r"|(have|need) to go (again )?(right )?after|no (\w+ )?vaci\w*",
    # A foot that does not clear the step; a fall said as where they ended up.
    r"(doesnt|dont|not|wont|no) (\w+ )?(clear|clears|clearing|sube|subo)|trip(ped|ping|s over)",
    r"(off|on|from|up from) the (floor|ground)|(del|en el|al) (piso|suelo)",
    r"no (\w+ ){0,2}(puede|puedo|pudo|pude) (\w+ )?(levant|parar|camin|mover)\w*",
    # What legs and feet do.
    r"drags?|dragg\w*|g[ai]ve (out|way)|giv\w* (out|way)|buckl\w*|collaps\w*|flop\w*",
    r"slap\w*|stumbl\w*|wobbl\w*|unsteady",
    # What a wound does.
    r"came apart|coming apart|come apart|(came|come|coming|comes) (open|undone)|gaping",
    r"ooz\w*|soaked through",
    # Pain that travels: "going down both legs", "shooting into my foot".
    r"(shoot|shooting|going|goes|running|runs|travel\w*) (down|into|to)"
    r" (my |both |the |his |her )?(legs?|feet|foot|thighs?|butt|groin)",
    r"no siento|no sentia|sin sentir|ya no siento|no (\w+ )?(sient|siente|sinti|orin|aguant"
    r"|control|sostien|sentir)\w*|no me doy cuenta|ni cuenta|sin darme cuenta|se me moj\w*|me moje",
)
# A loss or a change for the worse said with a body part or symptom ("legs are worse",
# "trouble with my bladder", "the cut opened"). Never softened by reassurance either.
LOSS = _any(
    LOSS_OF_THE_BODY,
    r"worse|worsening|worst|weaker|bigger|heavier|increas\w*|spread\w*|radiat\w*",
    r"cannot|wont|unable|dead|asleep|lost|losing|loss|lose|quit|no (he|ha|han) podido",
    r"(havent|hasnt) (\w+ )?(gone|been able)|(dont|doesnt|didnt|not|wont) (\w+ )?(work\w*"
    r"|support\w*|listen\w*|stop\w*)|stopped working|not working|went out",
    r"(its|is|it is|got|came|looks|wide|still|now|be) open|open (wound|cut|incision)",
    r"fell|fall|fallen|falling|keeps? (coming|happening|getting|bleeding|leaking)",
    r"kept (coming|happening|getting)|sigue\w* (saliendo|sangrando|igual|pasando)",
    r"trouble|problems?|issues?|difficult\w*|hard|dificil|struggl\w*",
    r"(came|come|coming|comes) out|opened|split|popped|soak\w*",
    r"peor|empeor\w*|cada vez mas|mas que antes|no responde\w*|no funcion\w*",
    r"no (\w+ ){0,2}(levant|muev|mueve|movi|dobl|respond|funcion|para|dan|da|obedec|vaci"
    r"|camin|pued|pud|podi)\w*",
    r"muert\w*|arrastr\w*|perdi\w*|perdida|perdiendo|se (me |le |te |nos |les )?dobl\w*",
    r"se me cae|se cae|se me va|se me fue|al (piso|suelo)|me cai\w*|caigo|se cayo",
    r"tropiez\w*|tropec\w*|no aguanto|no me sostiene\w*|problemas?|dificultad|cuesta",
    r"se (me |le |te )?abri\w*|abiert\w*|abriendo|sale|salio|saliendo|empapad\w*|gotea\w*",
    r"escurr\w*|resbal\w*",
    # Something that happened to the body: Spanish "se me abrió", "se le durmió", "se puso
    # roja"; English "turned red", "got hot", "went limp". Not "se me quitó" (it went away).
    r"se (me |le |te |nos |les )(?!(quit|olvid|pas|fue|va |hizo tarde|acab|termin))[a-z]+",
    r"se (puso|pone|esta poniendo) \w+|turn(ed|ing|s)? (red|dark|black|purple|white|blue"
    r"|gr[ae]y|yellow|green|hot)|got (red|hot|swollen|bigger|numb|wet|worse|weak\w*|infected"
    r"|stuck)|went (red|weak|limp|numb|dead|out|stiff)",
)
# A change that may be ordinary: softened by reassurance in its clause or the next.
SOFT_CHANGE = _any(
    r"different|weird|wierd|funny|strange|odd|(feels?|feeling|felt|seems?|looks?) off",
    r"not right|wrong|unusual|heavy|more|again|changed|changing|both|comes and goes",
    r"feels? like|felt like|feeling like|siento como|se siente como|como si",
    r"start(ed|ing|s)? (to \w+|\w+ing)|empez\w* a|comenz\w* a",
    r"raro|rara|extran\w*|diferente|distint\w*|pesad\w*|otra vez|de nuevo|mas|cambi\w*",
    r"ambas|las dos|los dos",
)
# Said about the body and clearly fine: softens a soft change in its clause or the one
# before ("feel different, so much better than before").
REASSURED = _any(
    r"better|fine|good|great|well|normal\w*|ok|okay|healing|healed|clean|dry|gone|less",
    r"improv\w*|nicely|stronger|amazing|manageable|fading|going away|goes away|no more",
    r"walked|mejor|bien|sanando|limpia|seca|menos|excelente|perfect\w*|fuerte",
    r"camine|se (me )?(quito|fue)|ya no|nothing new|nada nuevo|same|igual|no change",
    r"sin cambios?|ya camino|ya puedo|camino mas",
    r"walk\w* (a (little|bit|lot) |much |even )?(more|further|farther|longer)",
    r"strong|fuertes|steady|firm\w*|firme|estable",
)
# Losses that carry their own "no": never read as negated.
_SELF_NEGATED = re.compile(
    r"(cannot|wont|dont|didnt|doesnt|havent|hasnt|no |unable|sin sentir|without)"
)
# "can't feel any pain", "don't have numbness", "no siento dolor": a symptom said to be
# absent is reassurance, not a loss of feeling.
_NO_SYMPTOM = re.compile(
    r"(cannot|dont|didnt|doesnt|no longer|havent|hasnt) (\w+ )?(feel|have|had|notice|noticed"
    r"|see|seen|felt)( \w+)?( any| a| the)?"
    r" (pain|discomfort|numb\w*|tingl\w*|weak\w*|swell\w*|redness|fever|pus|drainage|blood"
    r"|bleeding|leak\w*|problems?|trouble|issues?)"
    r"|no (siento|tengo|hay|noto|veo) (\w+ )?(dolor|molestia\w*|hormig\w*|entum\w*|debil\w*"
    r"|hinchazon|fiebre|pus|sangr\w*|problemas?)"
)

# Reassurance said not to be so: "getting worse not better", "not in a good way".
NOT_REASSURED = re.compile(
    r"\b(not|no|never|nothing|nada) ((in a|so|too|very|muy|any|getting|esta|mas|really"
    r"|feeling|doing|looking|se ve|me siento|contesta|responde|habla|camina|come|duerme"
    r"|answering|talking|walking|eating|sleeping|responding) ){0,2}(better|good|fine|great"
    r"|well|ok|okay"
    r"|normal|mejor|bien)\b"
    # "nothing is helping", "not helping", "nada me ayuda": no easing.
    r"|\b(nothing|nada|not|no|never|doesnt|dont|didnt|wont)( \w+){0,2} (help\w*|ayud\w*)\b"
)
_BODY = re.compile(r"\b" + BODY + r"\b")
_LOSS = re.compile(r"\b" + LOSS + r"\b")
_LOSS_OF_THE_BODY = re.compile(r"\b" + LOSS_OF_THE_BODY + r"\b")
_SOFT = re.compile(r"\b" + SOFT_CHANGE + r"\b")
_REASSURED = re.compile(r"\b" + REASSURED + r"\b")
_CLAUSES = re.compile(r",|\b(but|pero|though|aunque)\b")


# Which kind of sign a body part or symptom belongs to, so that a reply caught by the
# rules here is answered with what to do for it (service/conversation/answers.py): the
# saddle area, bladder and bowels; the legs and what they feel; the wound; blood.
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(r"\b(" + words + r")"))
    for kind, words in (
        (
            "bladder_bowel",
            r"bladder|bowel|urin|pee|poop|stool|bm\b|toilet|bathroom|potty|wip|number (2|two)"
            r"|water ?works|number (1|one)"
            r"|saddle|seat|groin|crotch|privates|private|genital|down there|bottom|butt|bum\b"
            r"|tailbone|pants|underwear|sheets|bed\b|orin|pipi|pis\b|popo|caca|heces|bano"
            r"|vejiga|intestin|limpi|nalga|entrepierna|partes|abajo|pantalon|cama|calzon|pompi"
            r"|colita|del dos|mear|meo|meado|meando|mee\b",
        ),
        (
            "numbness_weakness",
            r"legs?\b|foot|feet|toe|thigh|knee|ankle|calf|calves|shin|hip|heel|numb|tingl|weak"
            r"|feeling|sensation|balance|walk|stand|pins and needles|asleep|dead|pierna|pie\b"
            r"|pies\b|dedos|muslo|rodilla|tobillo|pantorrilla|cadera|talon|entum|adormec"
            r"|hormig|debil|sensibilidad|equilibrio|camin|fuerza|muert|dormid",
        ),
        (
            "infection",
            r"incision|wound|cut\b|stitch|staple|scar|site|dressing|bandage|gauze|skin|steri"
            r"|drain|fluid|liquid|pus\b|red\b|swell|swollen|fever|chill|sweat|ooz|herida"
            r"|cortad|puntos|grapas|cicatriz|vendaje|venda|gasa|curita|piel|liquido|hinch"
            r"|inflam|fiebre|calentura|escalofrio|sudor",
        ),
        ("bleeding", r"blood|bleed|sangr"),
    )
)


def kinds_of(sentence: str) -> list[str]:
    """The kinds of sign the body words of `sentence` belong to (see KINDS)."""
    return [kind for kind, words in KINDS if words.search(sentence)]


# What a routine reply is about: a visit, a ride, a bill, food, a card. A loss said about
# one of these ("I can't find parking", "lost my appointment card") is not about the body.
ERRANDS = re.compile(
    r"\b(park\w*|address|directions|clinic|office|appointment|visit|ride|bill|insurance"
    r"|pharmacy|prescription|refill|card|phone|eat|food|breakfast|coffee|work|make it|time"
    r"|date|cita|estacion\w*|direccion|consultorio|oficina|seguro|factura|farmacia|receta"
    r"|tarjeta|comer|comida|desayun\w*|cafe|trabajo|llegar|hora|fecha|cuesta)\b"
)


def loss_said(sentence: str, negated: Negated) -> bool:
    """A loss said without the part ("it went dead", "cannot hold it", "no aguanto"), in a
    sentence that is not about an errand: a person reads it."""
    if ERRANDS.search(sentence):
        return False
    plain = _NO_SYMPTOM.sub(" ", sentence)
    return any(
        _SELF_NEGATED.match(m.group(0)) or not negated(plain, m.start(), m.end())
        for m in _LOSS_OF_THE_BODY.finditer(plain)
    )


def body_with_change(sentence: str, negated: Negated) -> bool:
    """A live body or symptom word and a live change in one sentence (words joined by spaces,
    spell-corrected). `negated(clause, start, end)`: the word at start..end is negated."""
    clauses = [c for c in _CLAUSES.split(_NO_SYMPTOM.sub(" ", sentence)) if c and c.strip()]
    clauses = [c for c in clauses if c not in ("but", "pero", "though", "aunque")]
    reassured = [_REASSURED.search(NOT_REASSURED.sub(" ", c)) is not None for c in clauses]
    said = body = loss = soft = False
    for index, clause in enumerate(clauses):
        mentions = list(_BODY.finditer(clause))
        said = said or bool(mentions)
        body = body or any(not negated(clause, m.start(), m.end()) for m in mentions)
        for match in _LOSS.finditer(clause):
            if _SELF_NEGATED.match(match.group(0)) or not negated(
                clause, match.start(), match.end()
            ):
                loss = True
        calm = reassured[index] or (index + 1 < len(clauses) and reassured[index + 1])
        if not calm:
            soft = soft or any(
                not negated(clause, m.start(), m.end()) for m in _SOFT.finditer(clause)
            )
    # A loss goes to a person even beside a negated body word: "no my legs are dead", typed
    # without a comma, is not a negation of the legs.
    return (body and soft) or (said and loss)
