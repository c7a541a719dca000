"""Erring towards a person (issue 19): the wording a reply needs only to come near.

A body part or a symptom said with a change or a loss (worse, can't, won't, dead, drags,
gave out, trouble, leaking...), the kinds of wording later rounds of unseen replies showed
(losses said as what the body did, foot drop as tripping, falls as going down, a headache
that changes with posture), and last, a statement about the body with nothing
reassuring in it. Read by `triage` after normalising, like `triage_words`.
"""

# (sign, pattern, negatable), added after the patterns of `triage_words`.
LEANING_PATTERNS: tuple[tuple[str, str, bool], ...] = (
    # Round 4 (issue 19, after round 3 was seen): retention said other ways, pain that
    # medicine no longer touches.
    (
        "bladder_bowel",
        r"cannot (pass|make) water|cannot (\w+ ){0,1}empty|(strain\w*|push\w*|pujar)"
        r" (\w+ ){0,3}(pee|urinat\w*|orinar)",
        False,
    ),
    (
        "severe_pain",
        r"(meds?|medicines?|medications?|pills?|pastillas|medicinas?|analgesicos?) (\w+ ){0,2}"
        r"(not|arent|dont|doesnt|isnt|no|nothing) (\w+ )?(touching|working|helping|help|work"
        r"|quitan|sirven|hacen)",
        False,
    ),
    # Round 2 (issue 19): losses said as what the body did, foot drop as tripping, falls as
    # going down, a headache that changes with posture, bladder wording from home.
    (
        "bladder_bowel",
        r"(bladder|bowels?|bowl|it|pee|poop|urine|pipi|popo) (\w+ ){0,2}(let go|lets go"
        r"|letting go|gave way|just (comes|came|goes|went)|came out on its own)"
        r"|wet (the|my) bed|make it to the (toilet|bathroom|restroom|loo) in time"
        r"|(no|lost|losing|without) control (down there|of it)|cannot hold it( in)?"
        r"|(only|just) a trickle|no llego al bano|se me (sale|salio|escapa)\w*"
        r"|no (siento|sentia) (cuando|las ganas)|no puedo hacer del bano"
        r"|number (2|two) (\w+ ){0,2}(cannot|dont|didnt)|(cannot|dont|didnt) (\w+ ){0,3}"
        r"number (2|two)",
        False,
    ),
    (
        "numbness_weakness",
        r"(paraly\w*|paraliz\w*|paralis\w*|paralys\w*)|(trip\w*|stumbl\w*|catch\w*)"
        r" (\w+ ){0,4}(foot|feet|toes?)|tropiez\w*|tropec\w*"
        r"|(foot|feet|pie) (\w+ ){0,2}(flops?|flopping|slaps?|slapping|catch\w*|drags?)"
        r"|(legs?|knees?|piernas?|rodillas?) (\w+ ){0,3}(rubber|jelly|noodles?|flojas?"
        r"|no me sostienen|wont (hold|support))|(leg|foot|feet|legs) (\w+ ){0,2}asleep"
        r"|(lost|losing|loss of|no|without) (\w+ ){0,1}(sensation|feeling|sensibilidad)"
        r"|(tiptoes?|heels?|toes) (\w+ ){0,3}(cannot|wont)|cannot (\w+ ){0,3}(tiptoes?|heels?)",
        True,
    ),
    (
        "emergency",
        r"went down(?! (to|the|for|stairs|town|south|a |in price))"
        r"|hit the (floor|ground|deck)|(took|had) a (tumble|spill)|me fui al (piso|suelo)"
        r"|me cai\w*|dizz\w*|mare\w*|lightheaded|light headed",
        True,
    ),
    # A headache that changes with posture: "better when I lie flat" is the sign itself,
    # not easing, so this one is not negatable.
    (
        "severe_pain",
        r"(headache|migraine|dolor de cabeza|head (is |keeps )?(pound\w*|throb\w*|hurt\w*"
        r"|ach\w*|splitting|killing me)|(pounding|throbbing|splitting) head|(duele|late|estalla)"
        r" la cabeza|cabeza (me )?(duele|late|estalla))( \w+){0,8} (lie|lying|lay|laying|flat"
        r"|sit\w*|stand\w*|get up|getting up|upright|acost\w*|sentad\w*|de pie|me siento"
        r"|me levanto|parad\w*)",
        False,
    ),
    (
        "severe_pain",
        r"(severe|terrible|worst|bad|awful|horrible) headache"
        r"|off the charts|through the roof|cannot sleep (\w+ ){0,4}(pain|hurts)"
        r"|(pain|hurts) (\w+ ){0,4}cannot sleep",
        True,
    ),
    (
        "infection",
        r"seep\w*|crust\w*|angry|warm to the touch|hot to the touch|gaping|gapes"
        r"|huele (feo|raro)|sweat\w* (\w+ ){0,3}(shiver\w*|chill\w*|shak\w*)",
        True,
    ),
    # Round 4's misses (issue 19, seen since): what a leaking patient wears (pads, diapers,
    # pañal), and a swelling said as its shape ("the spot where they went in is bulging").
    (
        "bladder_bowel",
        r"(pads?|diapers?|nappy|nappies|pull ?ups|adult briefs|panal\w*|panales)\b"
        r"|(wear\w*|wore|us(e|es|ing)|bought|buy|need\w*|put on) (\w+ )?depends",
        True,
    ),
    (
        "infection",
        r"(bulg\w*|lumps?|lumpy|protrud\w*|sticking out|bulto\w*|abultad\w*|puffy|puffed up)",
        True,
    ),
)

# Erring towards a person, last: a reply about the body that says nothing reassuring is
# read by someone. A statement (not a question) naming one of these, with none of the
# reassuring words below, is urgent even when no pattern above matched.
BODY_OR_SYMPTOM_WORDS = (
    r"(legs?|foot|feet|toes?|thighs?|knees?|ankles?|calf|calves|hips?|groin|bottom|butt\w*"
    r"|my back|lower back|back pain|back hurts|spine|bladder|bowels?|pee\w*|urin\w*|poop\w*"
    r"|stool|incision|wound|stitch\w*|pain\w*|hurt\w*|ach(e|es|ing|y)|numb(ness|ed|y)?"
    r"|tingl\w*|weak\w*|swell\w*|swollen|red|blood\w*|bleed\w*|fever\w*|temp|temperature"
    r"|balance|walk\w*|stand\w*|head(ache)?s?|dizz\w*|speech|words|side|body|agony|seizure"
    r"|piernas?|pies?|dedos|muslos?"
    r"|rodillas?|espalda|columna|vejiga|intestino|orin\w*|popo|heces|herida|puntos|dolor\w*"
    r"|duel\w*|entum\w*|hormigue\w*|debil\w*|hinch\w*|inflamad\w*|sangr\w*|fiebre"
    r"|calentura|equilibrio|camin\w*|parar\w*|cabeza|marea\w*|lengua|cuerpo|lado"
    # Places on the body said loosely ("the spot where they went in", "down there").
    r"|neck|arms?|hands?|belly|stomach|tummy|chest|skin|spot|area|down there|privates?"
    r"|where they (went in|cut|operated)|eyes?|vision|cuello|brazos?|manos?|barriga|panza"
    r"|estomago|pecho|piel|zona|area|ahi abajo|alla abajo|partes"
    # What is felt or seen, in a patient's words.
    r"|sore|pounding|throbbing|burning|stabbing|shooting|sharp|cramp\w*|spasm\w*|twitch\w*"
    r"|jerk\w*|heavy|vomit\w*|throw\w* up|nause\w*|sweat\w*|shak\w*|hot|cold|itch\w*"
    r"|rash|smell\w*|stink\w*|ooz\w*|drip\w*|leak\w*|wet|puddle|mess|ardor|arde|quema\w*"
    r"|punzad\w*|calambre\w*|espasmo\w*|vomit\w*|nausea\w*|sudor\w*|temblor\w*|frio"
    r"|caliente|comezon|picazon|olor|huele|mojad\w*|charco)\b"
)
# An event or an alarm, said without a body part: a fall, "something happened", fear.
EVENT_OR_ALARM_WORDS = (
    r"\b(happen\w*|went|something (is |feels )?(wrong|off|not right)|fell|fall(en|ing)?"
    r"|went down|accident|scared|worried|afraid|frightened|panic\w*|help me|need help"
    r"|please help|emergency|paso algo|algo (anda |esta )?mal|me cai|se cayo|miedo"
    r"|asustad\w*|preocupad\w*|ayudame|necesito ayuda|auxilio|urgente|urgent"
    # Confusion and a change said without the body: "doesn't know where she is".
    r"|(doesnt|dont|didnt|not) (know|recogni[sz]e) (where|who|me|us|what day)|gibberish"
    r"|not making sense|(cannot|wont) wake|no (sabe|reconoce) (donde|quien|a)|worse|worsening"
    r"|getting bad|peor|empeor\w*|resbal\w*|slipped|algo no (anda|esta) bien"
    r"|no (es|esta) (el|la) mism[ao]"
    r"|not (himself|herself|themselves|myself|acting like)|asap|right away"
    r"|call me (now|back|asap)|llam\w* (pronto|ya)"
    # A loss or an opening said without naming the part: "it opened up", "went dead".
    r"|opened up|split open|came apart|went dead|gave (out|way)|buckl\w*|collaps\w*"
    r"|soaked|pouring|gushing|seep\w*|cannot feel|(no|less) feeling|no siento)\b"
)
REASSURING = (
    r"\b(better|fine|good|great|well|normal|ok|okay|healing|healed|clean|dry|gone|less"
    r"|improv\w*|nicely|down to|no pain|without (\w+ )?pain|thanks?|thank you|mejor|bien"
    r"|sanando|limpia|seca|menos|sin dolor|gracias|excelente|perfecto|stronger|amazing"
    r"|manageable|nothing major|fading|going down|bajando|no more|ya no|further"
    r"|already|barely any|casi no|smaller|walked|camine|wrong number|nada grave|normal\w*"
    r"|help(s|ing|ed)|me (ayuda|esta ayudando)|nothing (really |else )?(hurts|is hurting)"
    r"|nada me duele"
    r"|(wound|incision) check|check ?up|follow ?up|visit|nothing new|nada nuevo|same|igual"
    r"|no change|sin cambios?|strong|fuertes?|walking (to|around|more|further|farther|every)"
    r"|ya camino|camino (mas|diario|bien)|zero|cero|steady|firm\w*|firme|estable"
    r"|going away|goes away|went away|se (me )?(esta )?(quitando|quito|fue)|ya puedo|puedo"
    r"|(i|we|he|she|now) can (\w+ )?(walk|stand|move|pee|feel|go|sit|drive|bend|get)"
    # About a visit or a bill, not the body: "I need to reschedule my wound check".
    r"|reschedul\w*|appointment|cita|cambiar|bill|factura|pharmacy|prescription|receta"
    # A photo sent, a walk taken: news, not a sign ("le mande la foto de la herida").
    r"|nothing like (before|it was)|not as bad|nada como antes|off the (pain )?(pills|meds)"
    r"|(stopped|quit) (taking )?(the )?(pain )?(pills|meds)"
    r"|photo|picture|pic|foto|(feeling|sensation|sensibilidad|strength|fuerza) (\w+ )?(is |has "
    r"|came |coming )?back|volvio|regreso"
    # What healing skin does (001: mild discomfort at the incision is expected).
    r"|ya pude|(finally|por fin) (went|pude|fui|had)|itch\w*|pica|comezon|picazon|scab\w*"
    r"|costr\w*|bruis\w*|moret\w*|lighter|looser"
    r"|loosening|easier|(went for|took|had|go for) a (\w+ )?walk|(fui|sali) a caminar)\b"
)
QUESTION = (
    r"(\?|^\s*(can|could|should|when|what|how|is|are|do|does|will|would|may|cuando|cuanto"
    r"|puedo|debo|que|como|es|hay)\b|\b(wants? to know|wondering|asks?|asking) (if|whether"
    r"|when)\b|\b(quiere saber|pregunta|preguntan) si\b)"
)
