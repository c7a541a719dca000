"""Names and dates as a spreadsheet row brings them: how often the intake reads them the way
the person writes them, on two corpora written by someone who never read the code.

    python -m bench.names_and_dates                 # both halves; writes its RESULTS.md section
    python -m bench.names_and_dates --part tuning   # only the half tuning may look at

tests/names/heldout.tsv (`sent<TAB>expected`) goes through `as_people_write_it`;
tests/dates/heldout.tsv (`cell<TAB>kind<TAB>expected`) goes through the import's own
reading: a birth date through `read_date(two_digit=False)` then the patients domain's rule
(`check_birth_date`, today 2027-03-01); a procedure date through `_procedure_time` with a
time column beside it, then the import's range check (`resolve_scheduled_at`). Each
corpus is split by line: even data lines are `tuning`, odd lines `heldout` (never tuned
on; its misses are not printed, only written to RESULTS.md).

A two-digit BIRTH year stays refused (a MILD patient may be 101 or, by a typo, 1; staff
confirm): where the corpus labels guess one, the line is counted apart as a documented
disagreement, not a miss.
"""

import re
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from bench.results import write_section
from service.config import Settings
from service.errors import InvalidInput
from service.intake.names import as_people_write_it
from service.intake.spreadsheet.dates import read_date
from service.intake.spreadsheet.values import _procedure_time
from service.patients.service import check_birth_date
from service.procedures.service import resolve_scheduled_at

TESTS = Path(__file__).resolve().parents[1] / "tests"
NAMES = TESTS / "names" / "heldout.tsv"
DATES = TESTS / "dates" / "heldout.tsv"
PARTS = ("tuning", "heldout", "round2", "round3", "round4", "round5")
# Round 2 (tests/*/heldout_round2.tsv), a second writer who never read the code, with the
# name's part (given or family) beside it: its first run (2026-12-05 16:30 UTC, after the
# fixes above) was names 0.993 (the one miss "DELOS REYES" -> "Delos Reyes", where the
# writer put "delos Reyes") and dates 0.979 (a weekday before a numeric date, "Sat
# 3/4/1950", was refused; a weekday is now read and must agree with the date).
# Round 3 (tests/*/heldout_round3.tsv, a third writer, session 6), first run 2026-12-05
# 17:37 UTC: names 0.942, dates 0.980. Misses by kind: nameparser's rewriting kept when it
# changed more than the case ("HOWELL, SR." lost its comma; 'ROBERT "BOB"' became
# "Robert (Bob)"); a capital after an apostrophe that follows a syllable ("KA'AHUMANU",
# "KE\u2018ALOHA": an okina typed as an apostrophe); Turkish "ÇELİK" lower-cased with a
# combining dot; dotted dates refused even where only the clinic's order reads them
# ("03.15.1950"). Each kind fixed (names.py, dates.py); then names 0.992, dates 1.000.
# Left: "DU PLESSIS" -> "Du Plessis" (round 1's writer chose "Du Bois", round 3's "du
# Plessis": the corpora disagree, so "du" keeps its capital, as US records write it).
# Round 4 (tests/*/heldout_round4.tsv, a fourth writer, session 7), first run 2026-12-05
# 19:46 UTC: names 0.983, dates 1.000. Misses by kind: a Turkish İ starting a word with
# another inside ("İBRAHİM" kept a combining dot on the inner i: the word-by-word path
# compared the cases without taking the dot off); the Gaelic Mac capital given to a given
# name ("MACKENZIE" -> "MacKenzie"; the README keeps it for surnames: Mackenzie). Both
# fixed (names.py); then names 1.000.
# Round 5 (a fifth writer, session 7), first run 2026-12-05 20:02 UTC: names 0.964, dates
# 0.948. Misses by kind: German "zu", "und" and French "des" as particles; the Arabic "Al-"
# inside a name lower-cased ("Abd al-Rahman"; the corpora capitalise it as at the start);
# a cell in quotes or kept as text with Excel's leading apostrophe; a procedure two years
# on less a day refused (the window was 730 days, not two calendar years, across a 29
# February). Each fixed (names.py, dates.py, procedures/service.py); then 1.000 / 1.000.
TODAY = datetime(2027, 3, 1, 12, tzinfo=UTC)
REGION = "US"
PROCEDURE_TIME = "7:30"  # the time column beside the date, as the import reads them together
# First run, before any change (2026-12-05; its section in RESULTS.md is kept as written):
# names tuning 0.854, heldout 0.875; dates tuning 0.692, heldout 0.703 (before the bench
# added the import's procedure range check, which alone refuses tuning's "3/16/1927").
# That run's split was off by the header row, so the misses it printed as "tuning" are the
# heldout half's: heldout is not a clean unseen measure. Fixes followed the kinds in the
# tuning half and the corpus comments; after them: names 0.990 / 0.979, dates 1.000 / 1.000.
# A two-digit year at the end of the cell, with no longer number in it: "3/4/50", "04-MAR-50".
_TWO_DIGIT_YEAR = re.compile(r"^(?!.*\d{3}).*\D\d{2}$")


@dataclass(frozen=True)
class Line:
    sent: str
    kind: str  # "name" (a family name), "given", "birth" or "procedure"
    expected: str


@dataclass(frozen=True)
class Score:
    corpus: str
    part: str
    lines: int
    disagreements: tuple[str, ...]
    wrong: tuple[str, ...]

    @property
    def measured(self) -> int:
        return self.lines - len(self.disagreements)

    @property
    def accuracy(self) -> float:
        return 1 - len(self.wrong) / self.measured if self.measured else 1.0


def _data_lines(path: Path) -> list[str]:
    """The labelled lines, without comments and the header row (`sent<TAB>expected`...)."""
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return lines[1:] if lines and lines[0].endswith("\texpected") else lines


def load(corpus: str, part: str) -> list[Line]:
    """One half of a corpus: `tuning` the even data lines, `heldout` the odd ones; or the
    whole of round 2 or 3."""
    if part in ("round2", "round3", "round4", "round5"):
        path = TESTS / corpus / f"heldout_{part}.tsv"
        rows = [line.split("\t") for line in _data_lines(path)]
        if corpus == "names":
            return [Line(s, "given" if p == "given" else "name", e) for p, s, e in rows]
        return [Line(cell, kind, expected) for cell, kind, expected in rows]
    offset = PARTS.index(part)
    if corpus == "names":
        rows = [line.split("\t") for line in _data_lines(NAMES)]
        lines = [Line(sent, "name", expected) for sent, expected in rows]
    else:
        rows = [line.split("\t") for line in _data_lines(DATES)]
        lines = [Line(cell, kind, expected) for cell, kind, expected in rows]
    return lines[offset::2]


def read(line: Line) -> str:
    """What the intake makes of the line: a name as written, a date or `refuse`."""
    if line.kind in ("name", "given"):
        return as_people_write_it(line.sent, given=line.kind == "given")
    if line.kind == "birth":
        birth = read_date(line.sent, REGION, two_digit=False)
        if birth is None:
            return "refuse"
        try:
            check_birth_date(birth, TODAY)
        except InvalidInput:
            return "refuse"
        return birth.isoformat()
    settings = Settings(_env_file=None, clinic_phone_region=REGION)  # type: ignore[call-arg]
    starts_at = _procedure_time(line.sent, PROCEDURE_TIME, settings)
    if isinstance(starts_at, str):
        return "refuse"
    try:  # the import's own check of the procedure's date (checking._check_dates)
        resolve_scheduled_at(starts_at, settings.clinic_zone, TODAY)
    except InvalidInput:
        return "refuse"
    return starts_at.date().isoformat()


def is_disagreement(line: Line) -> bool:
    """A birth date written with a two-digit year that the corpus labels with a guess."""
    if line.kind != "birth" or line.expected == "refuse":
        return False
    return bool(_TWO_DIGIT_YEAR.match(line.sent.strip())) and (
        date.fromisoformat(line.expected).year % 100 == int(line.sent.strip()[-2:])
    )


def measure(corpus: str, part: str, lines: list[Line]) -> Score:
    wrong, disagreements = [], []
    for line in lines:
        got = read(line)
        if got == line.expected:
            continue
        shown = f"{line.kind} {line.sent!r}: read {got!r}, expected {line.expected!r}"
        (disagreements if is_disagreement(line) else wrong).append(shown)
    return Score(corpus, part, len(lines), tuple(disagreements), tuple(wrong))


def section(scores: list[Score]) -> str:
    rows = "\n".join(
        f"| {s.corpus} | {s.part} | {s.lines} | {len(s.disagreements)} | {s.accuracy:.3f} |"
        for s in scores
    )
    misses = "\n".join(f"- {s.corpus} {s.part}: {w}" for s in scores for w in s.wrong) or "- none"
    disagreed = (
        "\n".join(f"- {s.corpus} {s.part}: {d}" for s in scores for d in s.disagreements)
        or "- none"
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "## Names and dates\n\n"
        "Reproduce: `.venv/bin/python -m bench.names_and_dates`. Corpora `tests/names/heldout.tsv` "
        "and `tests/dates/heldout.tsv`, written by someone who never read the code, each split "
        "by line into `tuning` (even lines) and `heldout` (odd lines, never tuned on), read "
        "through the spreadsheet import's own path (region US, today 2027-03-01). Accuracy is "
        "over the lines measured: a birth date with a two-digit year is refused on purpose "
        "(staff confirm; a MILD patient may be 101 or a typo), so where the corpus guesses "
        "one the line is a documented disagreement, not a miss. First run, before any change: "
        "names tuning 0.854 / heldout 0.875, dates 0.692 / 0.703 (section below). That run's "
        "split was off by the header row and printed the heldout half's misses, so heldout is "
        "not a clean unseen measure; the fixes follow the kinds in the tuning half and the "
        f"corpus comments. Generated {stamp}.\n\n"
        "| corpus | part | lines | disagreements | accuracy |\n|---|---|---|---|---|\n"
        f"{rows}\n\nWrong readings:\n\n{misses}\n\n"
        f"Documented disagreements (two-digit birth years):\n\n{disagreed}\n"
    )


def main(argv: list[str]) -> int:
    parts = (argv[argv.index("--part") + 1],) if "--part" in argv else PARTS
    scores = [
        measure(corpus, part, load(corpus, part)) for corpus in ("names", "dates") for part in parts
    ]
    for score in scores:
        print(
            f"{score.corpus:6} {score.part:8} lines={score.lines} "
            f"disagreements={len(score.disagreements)} accuracy={score.accuracy:.3f}"
        )
        if score.part == "tuning":  # the held-out half's misses are never read while tuning
            for text in score.wrong:
                print(f"  wrong: {text}")
    if parts == PARTS:
        write_section("names_and_dates", section(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
