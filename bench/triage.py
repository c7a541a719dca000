"""Warning-sign triage: recall and false alarms on the labelled corpus of replies.

    python -m bench.triage          # prints the table and writes its section of RESULTS.md

The corpus (tests/triage/) is tuning data, every part of it: each part was written as a
held-out round before the matcher change it measured, its first run recorded below
(FIRST_RUNS), and its misses then learnt from, so it is seen since. Rounds 5 and 6 (now
`seen_round5`, `seen_round6`) were measured and reported in session 4 and tuned on in
session 5, with the session-5 parts: `paraphrases_session5` (written before the sixth
change), `seen_session5_heldout` (written after the sixth change, before running it) and
`probes_session5`, `probes_session5b` ... `probes_session5q` (each written before running
it, after the previous one was learnt from). The unseen measure is rounds 7, 8 and 11
(`heldout_round7`, 179 replies; `heldout_round8`, 168; `heldout_round11`, 79, written in
session 6; a line each that repeated another
part was dropped), each written by someone who never read the matcher, its tuning data or
the other rounds, and first run by the coordinator after the session-5 matcher was
finished: recall 1.000 on both, false alarms 0.094 and 0.170. They are never tuned on; a
seen part's numbers say only that the lessons held. Round 9 (`heldout_round9`, written the
same way) first ran at recall 1.000, false alarms 0.254, and is tuning data since: its
kinds of false alarm (hypotheticals, someone else's trouble, chronic, past, passing) were
learnt from, with `probes_session5q` written for those kinds and their urgent traps.
Round 12 (`heldout_round12`, 86 replies, session 7) first ran at recall 1.000, false alarms
0.271 (over the target): a trip on something underfoot and caught, "what should I do if I
get a fever" (read as "it happened" because of "I do"), "nomas pa saber", a child's flu and
catching it, "not hot or swollen", "ice is helping", numbness from the shot that wore off.
Those kinds were learnt, with `probes_session7` for them and their urgent counterparts
(a foot that keeps catching, a fall after the trip, "what do I do, I have a fever", a
husband's fever, "not warm but really swollen", "nothing is helping"): round 12 is tuning
data since (0.104). Round 13 (86 replies, another writer), first run on that matcher at
recall 0.973 and false alarms 0.102: its one miss was a headache said as "head pounding
every time i sit up, goes away when i lay flat" (a headache that changes with posture, said
without the word headache); its false alarms "if I did get a fever" and a cold sore, among
others. Those kinds were learnt with `probes_session7b`; round 13 is tuning data since.
Round 14 (90 replies, written last in session 7 as an unseen measure of that matcher)
first ran at recall 0.925 and false alarms 0.100: its three misses were plain emergencies
in words the matcher lacked (a hard time catching one's breath "never had that before",
hives all over with an itching throat after a new pill, "le falta el aire" and "le
aprieta el pecho"). A missed emergency outweighs keeping a round unseen: those kinds were
learnt (`probes_session7c`: breathing said many ways and negatable, an allergic reaction,
chest tightness in Spanish, "never had that" as new), so round 14 is tuning data too
(recall 1.000). Rounds 7, 8 and 11 stay the unseen measure.
Targets: recall >= 0.98, false alarms <= 0.25 (issue 19: err towards a person).
"""

import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.results import write_section
from service.conversation.triage import mentions_warning_sign

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "triage"
PARTS = (
    "tuning",
    "heldout",
    "heldout_paraphrases",
    "heldout_round2",
    "heldout_round3",
    "heldout_round4",
    "seen_round5",
    "seen_round6",
    "paraphrases_session5",
    "seen_session5_heldout",
    "probes_session5",
    "probes_session5b",
    "probes_session5c",
    "probes_session5d",
    "probes_session5e",
    "probes_session5f",
    "probes_session5g",
    "probes_session5h",
    "probes_session5i",
    "probes_session5j",
    "probes_session5k",
    "probes_session5l",
    "probes_session5m",
    "probes_session5n",
    "probes_session5o",
    "probes_session5p",
    "probes_session5q",
    "heldout_round7",
    "heldout_round8",
    "heldout_round9",
    "heldout_round10",
    "heldout_round11",
    "heldout_round12",
    "probes_session7",
    "heldout_round13",
    "probes_session7b",
    "heldout_round14",
    "probes_session7c",
)
# Never tuned on: the unseen measure (see the module docstring).
UNSEEN = ("heldout_round7", "heldout_round8", "heldout_round11")
TUNED_ON = tuple(part for part in PARTS if part not in UNSEEN)
# Each round's FIRST run, before anything learnt from it (recall, false alarms, what the
# matcher was then). Later runs of a round it was tuned on are seen numbers.
FIRST_RUNS: tuple[tuple[str, float, float, str], ...] = (
    ("heldout", 0.986, 0.000, "patterns (before issue 19)"),
    ("heldout_paraphrases", 0.939, 0.000, "patterns"),
    ("heldout_round2", 0.939, 0.037, "patterns + body part with a change or loss"),
    ("heldout_round3", 0.750, 0.034, "second widening"),
    ("heldout_round4", 0.925, 0.000, "fourth change: a statement about the body, unreassured"),
    ("seen_round5", 0.911, 0.029, "fourth change"),
    ("seen_round6", 0.897, 0.000, "fifth change: events, alarms, products, per-clause"),
    ("paraphrases_session5", 0.914, 0.085, "fifth change"),
    ("seen_session5_heldout", 0.908, 0.030, "sixth change: a body part with a change or loss"),
    ("probes_session5", 0.890, 0.119, "sixth change + the session-5 held-out's lessons"),
    ("probes_session5b", 0.934, 0.103, "sixth change + a loss said without the part"),
    ("probes_session5c", 0.979, 0.000, "sixth change + probes B's lessons"),
    ("probes_session5d", 0.800, 0.118, "sixth change + probes C's lessons"),
    ("probes_session5e", 0.933, 0.385, "+ a statement not clearly routine (uncued)"),
    ("probes_session5f", 0.917, 0.433, "+ that statement cued, news and healing skin"),
    ("probes_session5g", 0.953, 0.150, "+ probes F's lessons"),
    ("probes_session5h", 0.967, 0.000, "+ probes G's lessons, something happened to the body"),
    ("probes_session5i", 1.000, 0.300, "+ probes H's lessons, sign kinds"),
    ("probes_session5j", 1.000, 0.114, "+ probes I's lessons"),
    ("probes_session5k", 0.889, 0.154, "+ probes J's lessons"),
    ("probes_session5l", 0.960, 0.167, "+ probes K's lessons, negated functions are losses"),
    ("probes_session5m", 0.966, 0.091, "+ probes L's lessons"),
    ("probes_session5n", 1.000, 0.100, "+ probes M's lessons"),
    ("probes_session5o", 0.950, 0.111, "+ probes N's lessons"),
    ("probes_session5p", 0.929, 0.000, "+ probes O's lessons"),
    ("probes_session5q", 0.943, 0.833, "session 5's matcher, before round 9's lessons"),
    ("heldout_round7", 1.000, 0.094, "session 5's matcher, finished (unseen)"),
    ("heldout_round8", 1.000, 0.170, "session 5's matcher, finished (unseen)"),
    ("heldout_round9", 1.000, 0.254, "session 5's matcher, finished (unseen; then tuned on)"),
    ("heldout_round10", 0.972, 0.159, "after round 9's kinds (unseen; its miss's kind learnt)"),
    ("heldout_round11", 1.000, 0.114, "after round 10's kind (unseen, never tuned on)"),
    ("heldout_round12", 1.000, 0.271, "session 6's matcher (unseen; then its kinds learnt)"),
    ("probes_session7", 1.000, 0.100, "+ round 12's kinds (written after the change)"),
    ("heldout_round13", 0.973, 0.102, "+ round 12's kinds (unseen; then its kinds learnt)"),
    ("probes_session7b", 1.000, 0.000, "+ round 13's kinds (written after the change)"),
    ("heldout_round14", 0.925, 0.100, "session 7's matcher (unseen; its misses' kinds learnt)"),
    ("probes_session7c", 1.000, 0.000, "+ round 14's kinds (written after the change)"),
)
# Every part measured on the fifth change (main at d10d8df, before session 5): the "before"
# column of the report.
FIFTH_CHANGE: dict[str, tuple[float, float]] = {
    "tuning": (1.000, 0.014),
    "heldout": (1.000, 0.014),
    "heldout_paraphrases": (1.000, 0.000),
    "heldout_round2": (1.000, 0.037),
    "heldout_round3": (1.000, 0.069),
    "heldout_round4": (1.000, 0.000),
    "seen_round5": (0.949, 0.029),
    "seen_round6": (0.897, 0.000),
    "paraphrases_session5": (0.914, 0.085),
    "seen_session5_heldout": (0.846, 0.030),
    "probes_session5": (0.849, 0.095),
    "probes_session5b": (0.885, 0.138),
    "probes_session5c": (0.894, 0.000),
    "probes_session5d": (0.725, 0.235),
    "probes_session5e": (0.133, 0.051),
    "probes_session5f": (0.917, 0.533),
    "probes_session5g": (0.837, 0.100),
    "probes_session5h": (0.933, 0.167),
    "probes_session5i": (0.852, 0.200),
    "probes_session5j": (0.900, 0.057),
    "probes_session5k": (0.889, 0.308),
    "probes_session5p": (0.929, 0.000),
    "probes_session5o": (0.650, 0.111),
    "probes_session5n": (0.909, 0.200),
    "probes_session5m": (0.862, 0.000),
    "probes_session5l": (0.840, 0.333),
    "heldout_round7": (0.904, 0.124),
    "heldout_round8": (0.905, 0.242),
}
# Issue 19: err towards a person. A false alarm costs a nurse a minute; a miss can cost
# a patient the use of their legs.
RECALL_TARGET = 0.98
FALSE_ALARM_TARGET = 0.25


@dataclass(frozen=True)
class Reply:
    urgent: bool
    language: str
    text: str


@dataclass(frozen=True)
class Score:
    part: str
    replies: int
    urgent: int
    recall: float
    false_alarms: float
    missed: tuple[str, ...]
    flagged_routine: tuple[str, ...]

    @property
    def met(self) -> bool:
        return self.recall >= RECALL_TARGET and self.false_alarms <= FALSE_ALARM_TARGET


def load(part: str) -> list[Reply]:
    """One part of the corpus: `label<TAB>language<TAB>reply` lines, # for comments."""
    replies = []
    for line in (CORPUS / f"{part}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, language, text = line.split("\t", 2)
        if label not in ("urgent", "routine"):
            raise ValueError(f"{part}: unknown label {label!r}")
        replies.append(Reply(label == "urgent", language, text))
    return replies


def measure(part: str, replies: list[Reply]) -> Score:
    urgent = [r for r in replies if r.urgent]
    routine = [r for r in replies if not r.urgent]
    missed = tuple(r.text for r in urgent if not mentions_warning_sign(r.text))
    flagged = tuple(r.text for r in routine if mentions_warning_sign(r.text))
    return Score(
        part=part,
        replies=len(replies),
        urgent=len(urgent),
        recall=1 - len(missed) / len(urgent),
        false_alarms=len(flagged) / len(routine),
        missed=missed,
        flagged_routine=flagged,
    )


def _microseconds_per_reply(replies: list[Reply], rounds: int = 5) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for reply in replies:
            mentions_warning_sign(reply.text + " ")  # past the per-word cache's first fill
        timings.append((time.perf_counter() - started) / len(replies) * 1e6)
    return statistics.median(timings)


def _before(part: str) -> str:
    recall, false_alarms = FIFTH_CHANGE.get(part, (float("nan"), float("nan")))
    return f"{recall:.3f}, {false_alarms:.3f}"


def section(scores: list[Score], speed: float) -> str:
    rows = "\n".join(
        f"| {s.part} | {s.replies} ({s.urgent} urgent) | {_before(s.part)} | {s.recall:.3f} "
        f"| {s.false_alarms:.3f} | {'yes' if s.met else 'no'} |"
        for s in scores
    )
    first = "\n".join(
        f"| {part} | {recall:.3f} | {false_alarms:.3f} | {matcher} |"
        for part, recall, false_alarms, matcher in FIRST_RUNS
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "## Warning-sign triage\n\n"
        f"Reproduce: `.venv/bin/python -m bench.triage`. Corpus `tests/triage/` (English and "
        f"Spanish); targets recall >= {RECALL_TARGET}, false alarms <= {FALSE_ALARM_TARGET}. "
        "Every round was written as a held-out round before the matcher change it "
        "measures, in other people's words (patients and family: cauda equina, foot drop, "
        "falls, wounds, fever, bleeding, headache; typos, voice-to-text, emoji, Spanglish, "
        "capitals). The honest measure of each is its FIRST run, below; its misses were "
        "then learnt from, so every part here is now tuning data, and the second table says "
        "only that the lessons held. The unseen measure of the session-5 matcher (a body part "
        "or symptom with a change or a loss, errs towards a person) is rounds 7, 8 and 11, "
        "each written apart and never tuned on: "
        f"{', '.join(UNSEEN)}. Tuned on: "
        f"{', '.join(TUNED_ON)}. Generated {stamp}.\n\n"
        "First runs (each round unseen then):\n\n"
        "| round | recall | false alarms | matcher measured |\n|---|---|---|---|\n"
        f"{first}\n\nNow:\n\n"
        "| part | replies | fifth change: recall, false alarms | recall | false alarms | met |\n"
        "|---|---|---|---|---|---|\n"
        f"{rows}\n\nMedian time per reply: {speed:.0f} µs.\n"
        + "".join(
            f"\n{s.part}: missed {list(s.missed)}; false alarms {list(s.flagged_routine)}\n"
            for s in scores
            if s.missed or s.flagged_routine
        )
    )


def main() -> int:
    scores = [measure(part, load(part)) for part in PARTS]
    speed = _microseconds_per_reply([r for part in PARTS for r in load(part)])
    for score in scores:
        print(
            f"{score.part:8} replies={score.replies} recall={score.recall:.3f} "
            f"false_alarms={score.false_alarms:.3f} {'met' if score.met else 'NOT MET'}"
        )
        for text in score.missed:
            print(f"  missed: {text}")
        for text in score.flagged_routine:
            print(f"  false alarm: {text}")
    print(f"median {speed:.0f} µs per reply")
    write_section("triage", section(scores, speed))
    return 0 if all(s.met for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
