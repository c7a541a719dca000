"""Where a step's words may be cut when they do not fit one text (see fitting.py)."""

import re
from datetime import timedelta

# Between sentences ("... bandage. Call ..." / "... 911. ¿Dudas?"), and inside a sentence
# after a semicolon; a piece keeps its own punctuation, so joining with " " restores it.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[¿¡\"(A-Z0-9ÁÉÍÓÚÑ])")
_CLAUSE_END = re.compile(r"(?<=;)\s+")
# Texts of one slot go out this far apart, so they arrive in order.
NEXT_PART_AFTER = timedelta(minutes=1)


def sentences(words: str) -> list[list[str]]:
    """The words as sentences, each a list of its clauses."""
    return [_CLAUSE_END.split(s) for s in _SENTENCE_END.split(words.strip()) if s]


def pieces(words: str) -> list[str]:
    """The smallest parts a step's words are ever cut into (clauses), in order."""
    return [clause for sentence in sentences(words) for clause in sentence]
