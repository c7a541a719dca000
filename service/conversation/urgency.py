"""Does a patient's reply mention one of the warning signs the seeds tell them to call about?

A deliberately simple matcher (English and Spanish): it flags a reply for a human to read
and answers with "call the clinic or 911"; it never decides anything clinical. It errs on
the side of flagging, so "no fever" is flagged too.
"""

import re
import unicodedata

# Warning signs from the seeds: loss of bladder or bowel control, fever, bleeding,
# severe or worsening pain, numbness, weakness. Matched on accent-free lower case.
_ENGLISH = [
    r"(lost|loss of|losing|lose|can'?t control|cannot control|no control)\s+"
    r"((of|over)\s+)?(the\s+)?(control\s+(of|over)\s+)?(my\s+)?(bladder|bowels?)",
    r"(bladder|bowels?)\s+(control|accident)",
    r"incontinen\w*",
    r"wet (my|the) (self|myself|bed|pants)",
    r"fever\w*",
    r"temperature of",
    r"chills",
    r"bleed\w*",
    r"blood (in|on|from|coming|soaking)",
    r"(severe|worse|worsening|worst|terrible|unbearable|excruciating|sharp|bad)\s+"
    r"(\w+\s+)?pain",
    r"pain\s+(is\s+)?(getting\s+)?(worse|worsening|severe|unbearable)",
    r"numb\w*",
    r"tingl\w*",
    r"pins and needles",
    r"weak\w*",
    r"can'?t (walk|stand|feel my (legs?|feet|foot))",
    r"cannot (walk|stand|feel my (legs?|feet|foot))",
]
_SPANISH = [
    r"(perdi|perdida de|pierdo|no (puedo )?controlo?)\s+(el\s+|la\s+)?"
    r"(control\s+de\s+)?(la\s+|el\s+)?(vejiga|orina|intestinos?|esfinteres?)",
    r"control de (la )?(vejiga|orina|intestinos?|esfinteres?)",
    r"incontinencia",
    r"fiebre",
    r"calentura",
    r"escalofrios",
    r"sangr\w*",
    r"hemorragia\w*",
    r"dolor\s+(muy\s+)?(fuerte|intenso|severo|insoportable|terrible)",
    r"(mucho|peor|mas)\s+dolor",
    r"dolor\s+(\w+\s+)?(peor|empeora\w*)",
    r"empeora\w*",
    r"entumecid\w*",
    r"adormecid\w*",
    r"hormigueo",
    r"no siento (las |los |la |el |mis )?(piernas?|pies|pie)",
    r"debil\w*",
    r"no puedo (caminar|pararme|levantarme)",
]
_WARNING_SIGNS = re.compile(r"\b(" + "|".join(_ENGLISH + _SPANISH) + r")\b")


def _plain(text: str) -> str:
    """Lower case without accents or curly apostrophes: 'Débil' -> 'debil'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def mentions_warning_sign(text: str) -> bool:
    return _WARNING_SIGNS.search(_plain(text)) is not None
