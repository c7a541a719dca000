"""What a reply says about a sign that the patient does not have now (issue 19, round 9).

Read by `triage` on a normalised reply before any rule, so a sign named only in one of
these is set aside and the rest of the reply is read as usual:
1. a hypothetical: "what if I lose bladder control, who do I call?", "y si me da fiebre?",
   "the leaflet says call if you get a fever";
2. someone else's trouble, compared with one's own: "my neighbor had a fall after her
   surgery, could that happen to me?";
3. a chronic complaint said to be unchanged: "tingling like I always had", "la artritis de
   siempre";
4. something past and resolved: "chills last week with a cold, before the procedure";
5. a sensation with an ordinary cause that passed: "se me durmio el pie por estar sentada,
   ya se me paso";
6. a healed wound with nothing coming out: "la herida ya cerro, no sale nada".
Each only when it is clearly that kind: a present symptom inside a question ("what if this
numbness doesn't go away?"), a caregiver reporting the patient ("my husband can't pee"), a
change ("same as always but now both legs") or a return ("stopped but came back") is read
as usual. Bladder, bowel and saddle-area words are never set aside as chronic, past or
ordinary: their loss may come and go and a person reads it.
"""

import re

# A return or a change: never past, chronic or passed.
_CHANGED = re.compile(
    r"\b(came back|comes back|coming back|back again|again|returned|return\w*|still|keeps?"
    r"|kept|now (it|its|i|im|my|the|both|in|on|a|down|into|to|goes|going|spread\w*)"
    r"|but now|worse|worst|peor|more|mas|both|ambas|las dos|los dos|other (leg|side|foot)"
    r"|otra pierna|otro (pie|lado)|new|newly|nuev[ao]|start\w*|began|begun|empez\w*"
    r"|comenz\w*|spread\w*|extend\w*|today|tonight|this morning|hoy|anoche|esta manana"
    r"|since|desde (ayer|hoy|anoche|la (operacion|cirugia)|el procedimiento)|otra vez"
    r"|de nuevo|volvio|regres\w*|todavia|aun|sigue\w*|sigo|different|diferente|distint\w*"
    r"|than|que antes|weaker|heavier|bigger|redder|except|excepto|cannot|no puedo|wont"
    r"|doesnt|hasnt|havent|no se (me )?quita"
    r"|(dont|didnt|not) (go|goes|going|went) away|getting|stronger|higher|increas\w*"
    r"|aument\w*|ahora (me|tengo|esta|estoy|es|lo|la|le|se|siento|llega)|pero ahora"
    r"|ya no (puedo|siento|aguanto)|this time|esta vez|llega|reaches|down (my|both|to)"
    r"|never (had|felt|been like|seen) (that|this|it)|nunca (habia|he|habian?) (tenido|sentido"
    r"|visto))\b"
)
# Said to have come back: "stopped but came back", "volvio", "otra vez".
RETURNED = re.compile(
    r"\b(came back|comes back|coming back|back again|returned|started again|volvio|regres\w*"
    r"|otra vez|de nuevo)\b"
)
# Cauda equina and falls: never set aside as chronic, past or ordinary.
_SADDLE = re.compile(
    r"\b(bladder|bowels?|pee\w*|urin\w*|poop\w*|stool|leak\w*|accident|incontinen\w*|control"
    r"|pads?|diapers?|groin|saddle|privates?|down there|bottom|butt\w*|genital\w*|vejiga|orin\w*"
    r"|pipi|popo|heces|intestin\w*|entrepierna|nalgas?|panal\w*|esfinter\w*"
    # Nor a fall or a blackout, however long ago.
    r"|fall|fell|fallen|tumble|cai\w*|cayo|caida|passed out|blacked out|desmay\w*)\b"
)

# The gravest signs stay with a person even asked about as a hypothetical ("who do I call
# if I can't pee?", "if my leg goes numb, ER or you?"): a patient may ask about what has
# begun, and a nurse's minute costs less than a late answer (with _SADDLE above).
_NERVES = re.compile(
    r"\b(numb\w*|weak\w*|tingl\w*|cant (feel|move|lift|walk|stand)|give out|gives out"
    r"|entum\w*|dormid\w*|duerm\w*|debil\w*|no (siento|puedo mover|puedo caminar|aguanto))\b"
)

# 1. A hypothetical. The condition is set aside only where the sentence asks what to do
# ("who do I call if", "que hago si"), opens with "what if" / "y si", or says what the
# leaflet says ("call if"), and only when it names a sign that might come ("I get", "me da",
# "se me entumen"), not one there now ("this numbness", "sigue", "still", a reading).
_OPENING = r"^[\s¿¡]*"
# Asking what to do or whom to call, not what something means ("what does it mean if I
# can't pee" is asked about now).
_ASK = (
    r"((what|who|when|where|how)( do| should| would| can| could| will)? (i|we|you) (\w+ ){0,2}?"
    r"(do|call|text|contact|go|tell|reach|page)|(should|do|would|can|must) (i|we) (\w+ )?(call"
    r"|go|come|text|contact|page|worry)|what happens|(who|what number|which number) (do (i|we)"
    r" |should (i|we) )?(call|text)|(is there|whats) (a|an|the) (\w+ ){0,2}(number|line))"
)
_WHAT_TO_DO = re.compile(
    r"\b(" + _ASK + r"( \w+){0,3}? if"
    r"|(que hago|que debo hacer|(a )?quien (le )?(llamo|hablo|aviso)|cuando (llamo|voy)) si"
    r"|(says?|said|told (me|us)|dice|dijo|dijeron|pone)( \w+){0,3}? (to )?(call|llame|llamar"
    r"|llamemos|llamen|go|ir|vaya|come in|contact|text)( \w+){0,2}? (if|si))"
    r" (?P<cond>[^,.;!?]+)"
)
_WHAT_IF = re.compile(
    _OPENING + r"(and |so |y |pero )?(what if|y si|que tal si|and if) (?P<cond>[^,.;!?]+)"
)
# "If my leg goes numb, should I go to the ER?": the condition, then a question to the clinic.
# Spanish "si" is also "yes" ("si tengo fiebre"): only a condition that cannot be an answer.
_IF_THEN_ASK = re.compile(
    _OPENING
    + r"(and |y |pero )?(if|si) (?P<cond>[^,.;!?]+?),?[\s¿]+("
    + _ASK
    + r"|(should|do|would"
    r"|can|must) (i|we)|is there|voy|vamos|llamo|les llamo|le llamo|debo|que hago|a quien"
    r"|a donde|me voy|tengo que (ir|llamar))\b[^.;!?]*\?"
)
_MIGHT_COME = re.compile(
    r"^(ever |by any chance |por (alguna razon|si acaso) )?((i|you|he|she|we|they) (ever "
    r"|did |do |should |happen to |were to )?"
    r"(get|gets|lose|loses|have|has|start|starts|develop\w*|notice|see|run|spike|cannot|wet"
    r"|fall|go)\b|my \w+( \w+)? (goes|go|gets|get|starts?|turns?|becomes|begins?)\b"
    r"|(me|le|nos) (da|dan|sale|salen|sube|pasa|empieza\w*)\b|se (me|le) \w+|(pierdo|pierde"
    r"|noto|veo|empiezo|empieza|llego a|llegara|llegase)\b)"
)
_ASKED = re.compile(
    r"\?|^[\s¿]*(what|who|when|where|how|should|do|can|is|que|quien|cuando|a quien)\b"
)
_SAID = re.compile(r"\b(says?|said|told (me|us)|dice|dijo|dijeron|pone)\b")
_JUST_ASKING = re.compile(
    r"\b(just (checking|asking|wondering|curious|making sure)|solo (pregunto|quiero saber"
    r"|para saber|por saber)|(nomas|nada mas|solo|no mas) (pa|para|por) saber|pa saber"
    r"|nomas pregunto|es solo (una )?pregunta|just a question|only asking"
    r"|wanted to (know|ask|check)|want to (know|be sure|make sure)|quiero saber|queria saber"
    r"|in case|por si acaso|ahead of time|(i|we) dont have (one|it|any)|no (lo |la )?tengo"
    r"|not yet|todavia no|aun no|no me ha pasado|hasnt happened)\b"
)
_MIGHT_COME_SAID = re.compile(r"^(tengo|tiene|hay|no puedo|no puede)\b")
_PRESENT = re.compile(
    r"\d|\b(since|desde|right now|today|tonight|this morning|yesterday|last night|hoy|ayer"
    r"|anoche|esta manana|fell|had|lost|peed|was|were|cai|perdi|tuve|tenia"
    r"|this|these|that|those|still|already|again|now|keeps?|kept|any ?more|worse|stays?"
    r"|continu\w*|persist\w*|last\w*|longer|(go|goes|going|went) away|(get|gets|getting)"
    r" better|stop\w*|heal\w*|improv\w*|every time|each time|whenever|the (numbness|tingling"
    r"|pain|bleeding|swelling|redness|drainage|fever|weakness|leak\w*)|my (numbness|tingling"
    r"|pain|bleeding|swelling|fever)|este|esta|estos|estas|eso|ese|esa|todavia|aun|sigue\w*"
    r"|sigo|ya|ahora|otra vez|de nuevo|peor|quita|mejora\w*|dura\w*|cada vez|siempre que"
    r"|el (dolor|hormigueo|sangrado|entumecimiento))\b"
)

# 2. Someone else's trouble: another person's own surgery, compared with one's own.
_OTHER_PERSON = re.compile(
    r"^\s*(\w+ ){0,2}?(a )?(my|mi) (neighbou?r|friend|co-?worker|colleague|coworkers"
    r"|son|daughter|grand(son|daughter|kids?|child|children)|kids?|hij[oa]s?|niet[oa]s?"
    r"|nin[oa]s?"
    r"|(sister|brother|mother|father|son|daughter)[ -]in[ -]law|vecin[ao]|amig[ao]"
    r"|companer[ao]( de trabajo)?|cunad[ao]|conocid[ao]|comadre|compadre)('?s)?\b"
)
_COMPARED = re.compile(
    r"happen\w* to me|(should|do|would|will|could|can) i (be )?(worr\w*|concern\w*|get"
    r"|catch|have)|will i|is that (normal|common|usual)|(me|a mi) (puede|podria|va a)"
    r" pasar|(es|sera) normal|a mi tambien|me too|(her|his|their|su) (own |knee |back |hip )?"
    r"(surgery|procedure|operation|operacion|cirugia|procedimiento)|contagi\w*|catch it"
    r"|(had|got|did|has) the same (procedure|surgery|operation|thing)|is (that|this|it)"
    r" something that happens|does (that|this) happen|el mismo procedimiento"
    r"|stay away from (him|her|them)|(me|nos) (la|lo) (va a |van a |puede )?peg\w*"
    r"|(me|nos) (va a|puede) (pegar|contagiar)"
)
_CAREGIVER = re.compile(
    r"\b(texting for|writing for|on behalf|for me|taking care of|caring for|escribo por"
    r"|escribe por|por ella|por el|cuido a|cuidando a|your patient|su paciente|paciente)\b"
)
# First person in the other person's sentence: the trouble is (also) the patient's.
_FIRST_PERSON = re.compile(
    r"\b(i|im|ive|me|my|mine|myself|yo|mis|estoy|tengo|siento|puedo|pude|podia|me cai"
    r"|mio|mia)\b"
)

# 3. A chronic complaint, unchanged: "like I always had", "the old arthritis".
_CHRONIC = re.compile(
    r"\b(always|arthritis|artritis|for years|(for|since) (many |a few |several )?years"
    r"|chronic\w*|cronic\w*|de siempre|como siempre|igual que siempre|desde hace (anos"
    r"|mucho)|hace anos|siempre (he tenido|tengo|me ha|me pasa|lo he tenido|me duele)"
    r"|nothing to do with (my |the )?(back|procedure|surgery)|nada que ver con"
    r"|(same|like|as) (as )?(before|it was) (the|my) (procedure|surgery)|como antes de la"
    r" (operacion|cirugia))\b"
)
# Never set aside as chronic: weakness, a fall, a fever, blood or the wound.
_NOT_CHRONIC_KIND = re.compile(
    r"\b(weak\w*|debil\w*|buckl\w*|giv\w* (out|way)|gave|drag\w*"
    r"|arrastr\w*|dobl\w*|fall|fell|cai\w*|cayo|fever|fiebre|blood"
    r"|bleed\w*|sangr\w*|pus|wound|incision|herida)\b"
)

# 4. Past and resolved: before the procedure, or weeks ago and said to be over.
_BEFORE_PROCEDURE = re.compile(
    r"\b(before|prior to) (the|my) (procedure|surgery|operation)|antes de (la|mi) (operacion"
    r"|cirugia)|antes del procedimiento\b"
)
_WEEKS_AGO = re.compile(
    r"\b(last (week|month|year)|(two|three|a few|several|\d+) (weeks|months|years) ago|a (week"
    r"|month|year) ago|la semana pasada|el (mes|ano) pasado|hace (una semana|un mes|un ano"
    r"|\w+ (semanas|meses|anos)))\b"
)
_OVER = re.compile(
    r"\b((all )?(good|fine|ok|okay|better|gone|normal) now|(went|gone|go) away|resolved"
    r"|cleared up|all good|ya (estoy|me siento|esta) bien|ya se (me )?(quito|paso|fue)"
    r"|ya paso|ya no|todo bien|se me (quito|paso))\b"
)

# 5. An ordinary cause, and it passed.
_ORDINARY_CAUSE = re.compile(
    r"\b((from|after|by) (sitting|standing|lying|crossing|sleeping|kneeling)|sitting"
    r" (cross-? ?legged|too long|on it|funny|wrong)|cross-? ?legged|crossed my legs"
    r"|slept on it|(stood|got|get|getting|standing) up (too |so )?(fast|quick\w*)"
    r"|(por|de) estar (sentad\w*|parad\w*|acostad\w*)|por cruzar\w*|cruzad\w*"
    r"|dormi (sobre|encima)|al (pararme|levantarme) (muy |tan )?rapido|por (un|el)"
    r" resfriado|with a cold|from the (flight|drive|car ride)|on the toilet too long"
    # The local anaesthetic wearing off (the numbing medicine at the site).
    r"|(from|after|of) the (shot|shots|injection|numbing( medicine| shot)?|local|anesthe\w*"
    r"|anaesthe\w*|block)|(por|de) la (inyeccion|anestesia))"
)
_PASSED = re.compile(
    r"\b((fine|ok|okay|normal|gone|better) (now|after|once|when|again|in a)|went away"
    r"|goes away|passed|wore off|woke (back )?up|shook it off|ya se (me )?(paso|quito|fue"
    r"|desperto)|se me (paso|quito|desperto)|ya (estoy|esta) bien|al rato se)"
)


_CLAUSE = re.compile(r"(,|\b(?:but|pero|and|y|also|plus|tambien|though|aunque)\b)")
_PAST = re.compile(_BEFORE_PROCEDURE.pattern + "|" + _WEEKS_AGO.pattern)
# A complaint of its own in a clause: a place on the body or what is felt there.
_COMPLAINT = re.compile(
    r"\b(legs?|foot|feet|toes?|thighs?|knees?|hips?|back|shoulders?|hands?|fingers?|arms?|neck"
    r"|head|chest|wound|incision|cut|stitch\w*|skin|numb\w*|tingl\w*|pins and needles|ach\w*"
    r"|hurt\w*|sore\w*|pain\w*|stiff\w*|weak\w*|swell\w*|swollen|dizz\w*|lightheaded|fever"
    r"|chills?|drain\w*|coming out|piernas?|pies?|dedos|muslos?|rodillas?|caderas?|espalda"
    r"|hombros?|manos?|brazos?|cuello|cabeza|pecho|herida|cortada|puntos|piel|hormig\w*"
    r"|entum\w*|adormec\w*|dormid\w*|duel\w*|dolor\w*|molest\w*|ties\w*|debil\w*|hinch\w*"
    r"|mare\w*|fiebre|calentura|escalofrios|sale\w*|liquido)\b"
)
# What does not come out of a healed wound: "no sale nada", "nothing coming out".
_NOTHING_OUT = re.compile(
    r"\b(no (le )?(sale|salio|drena) (nada|liquido|pus)|nothing (is )?(coming|comes) out"
    r"|no drainage|nada)\b"
)
_SEPARATOR = re.compile(r"((?:[;!?\n]|\.(?!\d))+)")
# "nothing new", "no change": said about a complaint, not a change in it.
_UNCHANGED = re.compile(r"\b((nothing|not|nada|no es|no hay nada) (new|nuev[ao])|no change)\b")
# A healed wound with nothing coming out of it: "la herida ya cerro, no sale nada".
_HEALED = re.compile(
    r"\b(incision|wound|cut|site|scar|herida|heridita|cortada|cicatriz)\b.*\b(closed|sealed"
    r"|healed|cerr\w*|sano|sanada|sanadita)\b|\b(closed|sealed|healed|cerr\w*|sano|sanada)\b"
    r".*\b(incision|wound|cut|herida|heridita|cortada)\b"
)
_WOUND_SIGN = re.compile(
    r"\b(red\w*|hot|warm|pus|swell\w*|swollen|smell\w*|open\w*|split|roj\w*|caliente"
    r"|calientita|pus|hinch\w*|huele|abiert\w*|abri\w*|sangr\w*|blood|bleed\w*)\b"
)


def set_aside(plain: str) -> str:
    """The reply with what is clearly not a sign the patient has now blanked out."""
    if _HAPPENED.search(plain):
        return plain
    compared = _COMPARED.search(plain) is not None and not _CAREGIVER.search(plain)
    changed = _CHANGED.search(_UNCHANGED.sub(" ", plain)) is not None
    pieces = [*_SEPARATOR.split(plain), ""]
    # Each sentence with its ending, so a question keeps its question mark.
    sentences = [pieces[i] + pieces[i + 1] for i in range(0, len(pieces) - 1, 2)]
    asked = [_without_hypothetical(sentence) for sentence in sentences]
    # A hypothetical only where the rest of the reply asks too ("y si me sale pus? ya me
    # esta saliendo algo" tells of it): every other sentence a question, or "just asking".
    told = [
        left
        for left, sentence in zip(asked, sentences, strict=True)
        if left == sentence and left.strip() and not _ASKED.search(left)
    ]
    # "you said to call if I get a fever, so here I am": quoting the leaflet, only with
    # "just asking" does a patient mean it has not happened.
    quoted = any(_SAID.search(left) for left, s in zip(asked, sentences, strict=True) if left != s)
    if (told or quoted) and not _JUST_ASKING.search(" ".join(asked)):
        asked = sentences
    return "".join(_aside(sentence, compared, changed) for sentence in asked)


def _aside(sentence: str, compared: bool, changed: bool) -> str:
    """One sentence with what is not a sign now blanked (see the module docstring)."""
    other = _OTHER_PERSON.match(sentence)
    if compared and other:
        clause_end = sentence.find(",", other.end())
        clause_end = len(sentence) if clause_end < 0 else clause_end
        if not _FIRST_PERSON.search(sentence[other.end() : clause_end]):
            return " " + sentence[clause_end:]
    if _SADDLE.search(sentence) or _CHANGED.search(_UNCHANGED.sub(" ", sentence)):
        return sentence
    if _HEALED.search(sentence) and not _WOUND_SIGN.search(sentence):
        rest = _NOTHING_OUT.sub(" ", _HEALED.sub(" ", sentence))
        return sentence if _COMPLAINT.search(rest) else " "
    if _CHRONIC.search(sentence) and not _NOT_CHRONIC_KIND.search(sentence):
        return _without_clauses(sentence, _CHRONIC)
    if not changed and (
        _BEFORE_PROCEDURE.search(sentence)
        or (_WEEKS_AGO.search(sentence) and _OVER.search(sentence))
    ):
        return _without_clauses(sentence, _PAST)
    if not changed and _PASSED.search(sentence):
        return _without_clauses(sentence, _ORDINARY_CAUSE)
    return sentence


def _without_clauses(sentence: str, marker: re.Pattern[str]) -> str:
    """The clauses that say the complaint is chronic, past or ordinary, blanked, with the
    one before when they only point back at it ("me duele la rodilla, es la artritis de
    siempre"); a second complaint in its own clause is kept ("legs numb, and the knee is
    the old arthritis")."""
    clauses = _CLAUSE.split(sentence)
    blank = [False] * len(clauses)
    for index, clause in enumerate(clauses):
        if marker.search(clause):
            blank[index] = True
            if index >= 2 and not _COMPLAINT.search(marker.sub(" ", clause)):
                blank[index - 2] = True
    return "".join(" " if blank[i] and i % 2 == 0 else c for i, c in enumerate(clauses))


# Said to have happened after all: "you said to call if I lose control, well I think I did".
_HAPPENED = re.compile(
    r"\b((?<!what )(?<!should )(?<!shall )(?<!can )(?<!could )(?<!would )(?<!must )(?<!do )"
    r"(?<!how )(?<!if )i (think |guess |just |might )?(did|do)\b(?! not)"
    r"|(it|that|this) (just |has )?"
    r"(happened|did)|i have (it|one|that)|creo que (si|me paso|lo tengo|la tengo|ya)"
    r"|(ya|si) me (paso|dio)|me acaba de (pasar|dar)|ya (lo|la) tengo"
    r"|(and|but|well|now|pero|y|ya) (i|yo|now i) (cannot|do|did|have|am|think)\b"
    r"|(y|pero|ya) (no puedo|tengo|me (paso|dio)))\b"
)


def _without_hypothetical(sentence: str) -> str:
    """The sentence with a hypothetical condition about a sign blanked."""
    for pattern in (_WHAT_IF, _IF_THEN_ASK, _WHAT_TO_DO):
        for match in pattern.finditer(sentence):
            cond = match.group("cond").strip()
            # "tengo fiebre" after "si" may be "yes, I have a fever": only after "call if".
            said = pattern is _WHAT_TO_DO and _MIGHT_COME_SAID.match(cond)
            grave = _SADDLE.search(cond) or _NERVES.search(cond)
            if (_MIGHT_COME.match(cond) or said) and not _PRESENT.search(cond) and not grave:
                # "If my leg goes numb, should I go to the ER?": the question goes too.
                start, end = match.span("cond") if pattern is not _IF_THEN_ASK else match.span()
                return sentence[:start] + " " + sentence[end:]
    return sentence
