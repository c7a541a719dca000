"""Names as people write them: many systems send "GARCIA NUNEZ, MARIA JOSE" in capitals,
and a text that greets "Hi MARIA" shouts. nameparser knows Mc, Mac, O', hyphens and the
particles (de, la, van, von); a name already in mixed case is kept exactly as sent (a
name whose ASCII letters are all capitals, "MüLLER", is in capitals, not mixed case)."""

import re
from functools import lru_cache

from nameparser import HumanName

# nameparser turns every Mac... into MacX; these are whole names (Lingua::EN::NameCase's
# list, plus common Spanish and Portuguese ones), not Mac + a name.
_NOT_MAC = re.compile(
    r"\bMac(Evicius|Hado|Har|Hin|Hlin|Ias|Iulis|Kie|Kle|Klin|Kmin|Quarie|Ario|Edo|Ro)\b"
)


# Words that stay in lower case inside a name (nameparser lower-cases a few more, such as
# "mc" written apart: "MC DONALD" is "Mc Donald").
_PARTICLES = frozenset(
    [
        "de",
        "la",
        "las",
        "los",
        "del",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "ten",
        "y",
        "e",
        "bin",
        "al",
        "le",
    ]
)


@lru_cache(maxsize=4096)  # a spreadsheet or a feed repeats given and family names
def as_people_write_it(raw: str) -> str:
    """'MARÍA JOSÉ' -> 'María José', "O'BRIEN" -> "O'Brien", 'DE LA CRUZ' -> 'de la Cruz';
    'McDonald' or 'van Gogh' as sent are left alone."""
    name = " ".join(raw.split())
    if not name or not (_in_capitals(name) or name.islower()):
        return name
    human = HumanName(name)
    human.capitalize(force=True)
    written = str(human) or name.title()
    if len(written.split()) != len(name.split()):
        # nameparser dropped or reordered a part (a word it read as a title or a
        # suffix): capitalise word by word instead of losing it.
        written = " ".join(_capitalise_word(word) for word in name.split())
    written = " ".join(
        word if not word.islower() or word in _PARTICLES else word.capitalize()
        for word in written.split()
    )
    return _NOT_MAC.sub(lambda m: "Mac" + m.group(1).lower(), written)


def _in_capitals(name: str) -> bool:
    """Capitals, also as systems that upper-case only ASCII letters send them ("JöRG",
    "NUñEZ"): every ASCII letter a capital. Real mixed case ("McDonald") has a small one."""
    if name.isupper():
        return True
    ascii_letters = [c for c in name if c.isascii() and c.isalpha()]
    return bool(ascii_letters) and all(c.isupper() for c in ascii_letters)


def _capitalise_word(word: str) -> str:
    human = HumanName(word)
    human.capitalize(force=True)
    return str(human) or word.capitalize()
