"""A person as a feed describes them, read into what enrollment takes: the language
code, the name as people write it, and the phone chosen for texts."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from service.intake.names import as_people_write_it


@dataclass(frozen=True)
class IncomingPatient:
    """What a feed says about a patient; `phone` is the number to text, if any."""

    given_name: str
    family_name: str
    phone: str | None
    mrn: str | None
    language: str | None = None
    birth_date: date | None = None

    def written(self) -> "IncomingPatient":
        """The same person with names in people's case (not a system's capitals)."""
        return IncomingPatient(
            given_name=as_people_write_it(self.given_name, given=True),
            family_name=as_people_write_it(self.family_name),
            phone=self.phone,
            mrn=self.mrn,
            language=self.language,
            birth_date=self.birth_date,
        )


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """'spanish' and 'espanol' -> 'es': English names and each language's own name."""
    english = Locale("en").languages
    names = {_plain(name): code for code, name in english.items() if "_" not in code}
    for code in ("es", "en", "fr", "pt", "zh", "vi", "ko", "ru", "ar", "ht", "tl", "pl", "it"):
        try:
            own = Locale(code).languages.get(code)
        except UnknownLocaleError:
            continue
        if own:
            names[_plain(own)] = code
    return names


def language_code(code: str | None, text: str | None = None) -> str | None:
    """A language as feeds send it ('es', 'spa', 'SPA', 'es-MX', or only the text
    'Spanish') as the two-letter code texts are chosen by; None when unreadable."""
    for candidate in (code, text):
        if not candidate or not candidate.strip():
            continue
        value = candidate.strip().replace("_", "-")
        base = value.split("-")[0].lower()
        if len(base) == 2 and base.isalpha():
            return base
        if len(base) == 3 and base.isalpha():
            alias = get_global("language_aliases").get(base)
            if alias and len(alias) == 2:
                return str(alias)
            if base == "eng":
                return "en"
        named = _language_names().get(_plain(value))
        if named is not None:
            return named
    return None
