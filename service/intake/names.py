"""Names as people write them: many systems send "GARCIA NUNEZ, MARIA JOSE" in capitals,
and a text that greets "Hi MARIA" shouts. nameparser knows Mc, Mac, O', hyphens and the
particles (de, la, van, von); a name already in mixed case is kept exactly as sent."""

import re
from functools import lru_cache

from nameparser import HumanName

# nameparser turns every Mac... into MacX; only these Gaelic Mac + name surnames keep the
# inner capital from capitals (Mack, Macias, Machado, Macri, Mackie are whole names). A
# name not listed comes out Macx: the person may write MacX, but an inner capital is a guess.
_GAELIC_MAC = re.compile(
    r"\bMac(?!(?:Allister|Alister|Arthur|Aulay|Bain|Bean|Bride|Callum|Carthy|Cleod|Clure|"
    r"Coll|Connell|Cormack|Crae|Cullough|Donald|Donnell|Dougal|Dougall|Dowell|Duff|Ewan|"
    r"Ewen|Fadyen|Farlane|Gill|Gillivray|Gowan|Grath|Gregor|Guire|Innes|Intosh|Intyre|"
    r"Isaac|Iver|Kay|Kenna|Kenzie|Kinley|Kinnon|Kintosh|Lachlan|Laren|Lean|Lellan|Lennan|"
    r"Leod|Mahon|Manus|Millan|Murray|Nab|Nair|Nally|Namara|Naughton|Neil|Neill|Nicol|"
    r"Phail|Pherson|Queen|Rae|Rory|Sween|Taggart|Tavish|Whirter)\b)([A-Z])"
)

# Inside a name these stay in lower case when another word follows them ("de la Cruz",
# "van der Berg", "bin Laden"); alone they are names ("Van" the given name, "Le").
_PARTICLES = frozenset(
    [
        "de",
        "del",
        "dela",
        "da",
        "das",
        "do",
        "dos",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "ten",
        "y",
        "e",
        "bin",
        "ibn",
        "des",
        "zu",
        "und",
    ]
)
# Articles that keep their capital at the start of a family name (La Rosa, Le Pen, Di Maio)
# and go lower case only after a particle ("de la Cruz", "de los Santos").
_ARTICLES = frozenset(["la", "las", "los", "le", "di"])
# Suffixes and initials the person writes in capitals; JR, SR, ST, MC, NG are words (Jr, Ng).
_ROMAN = frozenset(["ii", "iii", "iv", "vii", "viii"])
_NOT_INITIALS = frozenset(["jr", "sr", "st", "mr", "dr", "ms", "mc", "ng"])


@lru_cache(maxsize=4096)  # a spreadsheet or a feed repeats given and family names
def as_people_write_it(raw: str, *, given: bool = False) -> str:
    """'MARÍA JOSÉ' -> 'María José', "O'BRIEN" -> "O'Brien", 'DE LA CRUZ' -> 'de la Cruz';
    'McDonald' or 'van Gogh' as sent are left alone. A `given` name starts with a capital
    even on a word that is a particle in a family name ('VAN ANH' -> 'Van Anh', the
    Vietnamese given name; 'JUAN DE DIOS' -> 'Juan de Dios')."""
    name = " ".join(raw.split())
    if not name or not (_in_capitals(name) or name.islower()):
        return name
    if _PLAIN_WORD.fullmatch(name) and not _NOT_PLAIN.match(name.lower()):
        # One plain word (most names a feed sends): its first letter, without nameparser
        # (a tenth of a millisecond a name, twice in every feed message and spreadsheet row).
        return name.capitalize()
    human = HumanName(name)
    human.capitalize(force=True)
    written = _dotless(str(human) or name.title())
    if _dotless(written.lower()) != _dotless(name.lower()):
        # nameparser changed more than the case: dropped or reordered a part (a title, a
        # suffix after a comma: "HOWELL, SR.") or put a nickname in its own brackets
        # ('ROBERT "BOB"'). Capitalise word by word, keeping what the person typed.
        written = " ".join(_capitalise_word(word) for word in name.split())
    words = written.split()
    written = " ".join(
        _word(word, words[i - 1] if i else "", i < len(words) - 1 and not (given and i == 0))
        for i, word in enumerate(words)
    )
    written = _AFTER_A_SYLLABLE.sub(lambda m: m.group(1) + m.group(2).lower(), written)
    # The Arabic article joined by a hyphen keeps its capital inside a name, as US records
    # write it (Abd Al-Rahman), as it does at the start (Al-Sayed).
    written = _ARTICLE_JOINED.sub(lambda m: m.group(1).upper() + m.group(2), written)
    # The Gaelic Mac capital belongs to surnames: a given name is Mackenzie, Macy.
    mac = _ANY_MAC if given else _GAELIC_MAC
    return mac.sub(lambda m: "Mac" + m.group(1).lower(), written)


_ANY_MAC = re.compile(r"\bMac(\w)")
# A word of three or more ASCII letters, not one nameparser or the rules treat apart
# (Mc and Mac names, Roman numerals).
_PLAIN_WORD = re.compile(r"[A-Za-z]{3,}")
_NOT_PLAIN = re.compile(r"mc|mac|(?:iii|vii|viii|xii)$")
_ARTICLE_JOINED = re.compile(r"(?<=\s)([ae])(l-\w)")


# An inner capital after an apostrophe only after one letter (O'Brien, D'Angelo); after a
# syllable it is a Hawaiian okina or a glottal stop typed as an apostrophe: Ka'ahumanu,
# Ke\u2018aloha.
_AFTER_A_SYLLABLE = re.compile(r"(\w\w['\u2019\u2018\u02bb])(\w)")


def _dotless(text: str) -> str:
    """Turkish İ lower-cases to i plus a combining dot; the person writes a plain i."""
    return text.replace("i\u0307", "i")


def _in_capitals(name: str) -> bool:
    """All capitals, counting a name whose ASCII letters are all capitals but that keeps a
    lower-case letter with no capital form in use ("STRAUß") or an accented one."""
    letters = [c for c in name if c.isascii() and c.isalpha()]
    return name.isupper() or (bool(letters) and all(c.isupper() for c in letters))


def _word(word: str, before: str, followed: bool) -> str:
    """One word of the recased name, given the word before it and whether another follows."""
    lower = word.lower()
    if lower in _ROMAN or (
        len(word) == 2
        and word.isalpha()
        and word.isascii()
        and lower not in _NOT_INITIALS
        and not set(lower) & set("aeiouy")
    ):
        return word.upper()  # III, IV; TJ: initials
    if followed and (lower in _PARTICLES or (lower in _ARTICLES and before.lower() in _PARTICLES)):
        return lower
    return word if not word.islower() else word.capitalize()


def _capitalise_word(word: str) -> str:
    """One word recased, its quotes, brackets and commas kept where they were."""
    core = re.match(r"^(\W*)(.*?)(\W*)$", word)
    assert core is not None  # the pattern matches any text
    lead, middle, tail = core.groups()
    if not middle:
        return word
    human = HumanName(middle)
    human.capitalize(force=True)
    cased = _dotless(str(human))
    same = _dotless(cased.lower()) == _dotless(middle.lower())
    return lead + (cased if same else _dotless(middle.capitalize())) + tail
