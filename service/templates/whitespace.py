"""Tidying a rendered text's whitespace for an SMS."""

import re
import unicodedata

_HSPACE = re.compile(r"[^\S\n]+")  # any whitespace but a newline (tabs, NBSP, ...)
_BLANK_RUN = re.compile(r"\n{3,}")
_ODD_SPACE = re.compile(r"[^\S \n]")  # any whitespace but a space or a newline


def normalize_whitespace(text: str) -> str:
    """Collapse spaces, strip each line, drop blank lines at either end.

    Newlines the author wrote are kept; a run of blank lines becomes one blank line.
    Non-breaking and other odd spaces become plain spaces, and accents are composed
    (NFC): a decomposed "é" or a no-break space would force the whole text into UCS-2.
    """
    # Most texts come out of their template already tidy: a few scans prove it, and they
    # are returned as they are (the passes below would leave them unchanged).
    if (
        text[:1] not in " \n"
        and text[-1:] not in " \n"
        and "  " not in text
        and " \n" not in text
        and "\n " not in text
        and "\n\n\n" not in text
        and (text.isascii() or unicodedata.is_normalized("NFC", text))
        and _ODD_SPACE.search(text) is None
    ):
        return text
    # Whole-text passes instead of one per line: the worker renders thousands a second.
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One substitution over the whole text; then every odd space is a plain one.
    text = "\n".join([line.strip(" ") for line in _HSPACE.sub(" ", text).split("\n")])
    return _BLANK_RUN.sub("\n\n", text).strip("\n")
