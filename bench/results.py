"""bench/RESULTS.md is written in sections, one per benchmark program, each between its own
markers, so that re-running one program leaves the others' figures alone."""

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, text: str, results: Path = RESULTS) -> None:
    """Put `text` between `<!-- name:start -->` and `<!-- name:end -->`, replacing what was
    there (or appending the section), and leave the rest of the file untouched."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{text.strip()}\n{end}"
    current = results.read_text(encoding="utf-8") if results.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    results.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")
