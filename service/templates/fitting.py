"""Keeping every text within SMS_MAX_SEGMENTS when it is sent, for any patient.

Steps due together share one text only while it fits. What does not fit goes as further
texts, a minute apart (the worker sends the first and holds the rest back a minute, so
each still passes the sending-window check). The order is the reading order of
`compose.reading_order`: a correction first, then warning signs, then booking requests.

One step whose words alone do not fit (an accented name makes every text UCS-2: 67
characters a segment instead of 153) is cut between sentences, or between the clauses
of a sentence when one sentence alone is too long, and each text keeps the clinic's
greeting and number. The rest of a cut step continues as the step "<step>~<n>" (its
words from piece n), which the worker sends a minute later like any reminder.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from service.templates.compose import ComposedText, Fragments, TextFacts, render_fragments
from service.templates.pieces import pieces, sentences
from service.templates.reading_order import PART_MARK, split_part
from service.templates.segments import count_segments
from service.templates.source import ActiveTemplate, TemplateSource
from service.timeline.plan import OPT_OUT_STEP


@dataclass(frozen=True)
class FittedText:
    """One text of a slot: the steps it carries and, when a step had to be cut, the
    step that carries the rest of it."""

    steps: tuple[str, ...]
    text: ComposedText
    segments: int
    continuation: str | None = None


def compose_within(
    steps: Sequence[str],
    facts: TextFacts,
    language: str,
    max_segments: int,
    templates: TemplateSource | None = None,
) -> list[FittedText]:
    """The slot's steps as texts of at most `max_segments` each, in reading order.

    The opt-out line rides with the first text. A single clause that cannot fit even on
    its own is sent as it is (the frame and it are the least a text can say); with the
    default texts that takes a limit of 1 or 2 segments and a very long name."""
    fragments = render_fragments(steps, facts, language, templates)
    whole = fragments.frame([w for _, w, _ in fragments.parts], fragments.opt_out)
    cost = count_segments(whole.body).segments
    carried = tuple(s for s in steps if s == OPT_OUT_STEP) + tuple(s for s, _, _ in fragments.parts)
    if cost <= max_segments or not fragments.parts:
        return [FittedText(carried, whole, cost)]
    return _Packer(fragments, max_segments).pack()


class _Packer:
    def __init__(self, fragments: Fragments, max_segments: int) -> None:
        self.fragments = fragments
        self.max_segments = max_segments
        self.texts: list[FittedText] = []
        self.words: list[str] = []
        self.steps: list[str] = []
        self.used: list[ActiveTemplate] = []

    def fits(self, words: list[str]) -> bool:
        first = not self.texts
        text = self.fragments.frame(words, first and self.fragments.opt_out, [])
        return count_segments(text.body).segments <= self.max_segments

    def pack(self) -> list[FittedText]:
        for step, words, template in self.fragments.parts:
            if self.fits([*self.words, words]):
                self._add(step, [words], template)
                continue
            self._close()
            if self.fits([words]):
                self._add(step, [words], template)
                continue
            self._cut(step, words, template)
            if self.texts and self.texts[-1].continuation is not None:
                break  # the rest of the slot waits for the cut step's continuation
        self._close()
        return self.texts

    def _add(self, step: str, words: list[str], template: ActiveTemplate) -> None:
        self.words += words
        self.steps.append(step)
        self.used.append(template)

    def _close(self, continuation: str | None = None) -> None:
        if not self.words:
            return
        first = not self.texts
        with_opt_out = first and self.fragments.opt_out
        text = self.fragments.frame(self.words, with_opt_out, self.used)
        steps = ([OPT_OUT_STEP] if with_opt_out else []) + self.steps
        segments = count_segments(text.body).segments
        self.texts.append(FittedText(tuple(steps), text, segments, continuation))
        self.words, self.steps, self.used = [], [], []

    def _cut(self, step: str, words: str, template: ActiveTemplate) -> None:
        """As much of one step as fits into this (empty) text; the rest continues."""
        base, first = split_part(step)
        taken: list[str] = []
        for sentence in sentences(words):
            if self.fits([*taken, *sentence]):
                taken += sentence
                continue
            if taken:
                break
            for clause in sentence:  # one sentence alone is too long: cut at clauses
                if taken and not self.fits([*taken, clause]):
                    break
                taken.append(clause)
            break
        rest = len(pieces(words)) - len(taken)
        self._add(step, [" ".join(taken)], template)
        continuation = f"{base}{PART_MARK}{first + len(taken)}" if rest else None
        self._close(continuation)


def texts_of_slot(
    steps: Sequence[str],
    facts: TextFacts,
    language: str,
    max_segments: int,
    templates: TemplateSource | None = None,
) -> list[FittedText]:
    """Every text a slot becomes as the worker sends it: the first now, the rest (and a
    cut step's continuation) each a minute after the one before."""
    remaining, texts = list(steps), list[FittedText]()
    while remaining and len(texts) < 2 * len(steps) + 10:
        first = compose_within(remaining, facts, language, max_segments, templates)[0]
        texts.append(first)
        remaining = [s for s in remaining if s not in first.steps]
        if first.continuation is not None:
            remaining.append(first.continuation)
    return texts
