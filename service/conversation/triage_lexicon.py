"""The words the warning-sign matcher knows: what misspellings are corrected to, what is
never corrected, negation and the words it reaches across, mild wording (see `triage`).

Spanish words are also matched by sound, as people type them ("erida" is "herida", "ise"
is "hice", "fuersa" is "fuerza"): a silent h, c/s/z, b/v, ll/y, qu/k, gu/g.
"""

import re


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Words misspellings are corrected to (each a stem or form the patterns below use).
VOCABULARY = _words(
    "fever feverish fevers chills shivering shaking temperature thermometer infection infected "
    "incision wound drainage draining discharge oozing swollen swelling redness bleeding "
    "bleed bleeds blood bloody soaked soaking dripping numb numbness tingling tingly "
    "weakness weak urinate urinating urine bladder bowel bowels incontinence accident "
    "unbearable excruciating horrible terrible severe worse worsening worst breathe "
    "breathing confused fainted passed collapsed pee peeing peed leaking buckled "
    "fiebre calentura escalofrios temperatura herida sangre sangrado sangrando sangra "
    "entumecido entumecida entumidas dormida hormigueo debilidad debil orinar orina orine "
    "orino orinado orinando "
    "vejiga intestino insoportable hinchada hinchado enrojecida supura desmayo desmayado "
    "respirar confundido confundida desorientado desorientada "
    "paralyzed paralysis paralized control controlling groin sensation sciatica "
    "collapsed dragging tripping stumbling giving caminar walking balance equilibrio "
    "piernas legs espalda "
    # The body and its changes (`triage_change`), so their misspellings are read too.
    "stitches staples bandage dressing bottom privates thigh thighs knees ankle ankles "
    "weaker heavier dribbling trouble different weird funny strange wobbly buckling "
    "spreading stumbled tripped numbed tingles swelling pooped pooping bathroom toilet "
    # Reassurance misspelt reassures too ("feeling much batter", "legs feel grate").
    "better great"
)
# Spanish words matched by how they sound as well as by spelling ("erida", "ise pipi").
SPANISH_SOUNDS = _words(
    "herida cortada hice hizo pipi fuerza hormigueo hormigas piernas pierna rodilla rodillas "
    "nalgas vejiga orinar orino orine sangre sangrando sangrado calentura escalofrios "
    "hinchada hinchado hinchazon debilidad entumecida entumecido adormecida adormecido "
    "caminar camino arrastro arrastra levantar cicatriz vendaje gasa abrio abierta cayo "
    "caida huele sale salio sentir siento muerta muerto dobla doblo bien mejor"
)
# Short ones only by sound: one letter from English words ("same" is not "sale").
VOCABULARY = VOCABULARY + tuple(word for word in SPANISH_SOUNDS if len(word) >= 6)
_SOUND_RULES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^h", ""),
        (r"qu", "k"),
        (r"gu(?=[ei])", "g"),
        (r"c(?=[ei])", "s"),
        (r"z", "s"),
        (r"c", "k"),
        (r"v", "b"),
        (r"ll", "y"),
        (r"(.)\1", r"\1"),
    )
)


def sound(word: str) -> str:
    """How a Spanish word sounds, spelt one way: "herida" and "erida" are both "erida"."""
    for pattern, replacement in _SOUND_RULES:
        word = pattern.sub(replacement, word)
    return word


SPANISH_BY_SOUND = {sound(word): word for word in SPANISH_SOUNDS}


# Real words one letter away from a vocabulary word: never "corrected" into a sign.
PROTECTED = frozenset(
    _words(
        "week weeks never fewer lever seven feet feel fell bleep breed blond blonde "
        "blog bloom numbs number wound would round found sound mound pees bees peel peek "
        "weal wean wear weld wheat chill chili hill pus plus bus urge urges herid herida "
        "orinal debt orina ice pies pie sale siento strong stronger strongly less lets fuera "
        "angles drinking drink drinks stretch stretches stretching"
    )
)

# Negation cues, and the words that may stand between a cue and the sign it negates
# ("no fever", "don't have a fever", "no numbness or tingling", "no tengo fiebre").
NEGATION_CUES = frozenset(
    _words("no not nor without dont doesnt didnt never ni sin nada nunca havent hasnt")
)
NEGATION_BRIDGE = frozenset(
    _words(
        "a an any more signs sign of the my real major big new have has had having feel "
        "feeling felt see seen or and nor ni y o hay tengo tiene siento ningun ninguna "
        "mas at all anymore much really im i is are am been getting get esta estoy muy "
        "ya un una de del la el los las mi mis problems problem trouble issues issue en in"
        " with when con para for al while problemas problema dificultad hacer ir to go going"
        # Spanish clitics and perfect tenses: "ya no se arrastra", "no he tenido fiebre".
        " se me le lo les te nos he ha han tenido tuve tenia notado visto noticed felt"
        " need needs needed use using necesito uso"
        # other signs in a list: "no numbness or tingling", "no pus ni enrojecimiento"
        " fever chills numbness numb tingling redness swelling pus bleeding blood drainage"
        " weakness pain fiebre escalofrios entumecimiento hormigueo enrojecimiento sangrado"
        " calentura dolor debilidad"
        # and as adjectives: "not hot or swollen", "no esta roja ni caliente"
        " hot warm red swollen puffy oozing draining leaking tingly caliente roja rojo"
        " hinchada hinchado"
    )
)

# A "no" followed by these answers a question rather than negating: "no my legs are dead".
ANSWERING_NO = frozenset(_words("my i im she it its the his her we mi mis yo"))

# Mild wording that makes a little blood or swelling ordinary (001: "mild discomfort
# and swelling around the incision ... subsides within a few days").
MILD = r"(little|tiny|small|slight|slightly|mild|bit|spot|dot|drop|few drops|poquito|poco|gota)"
