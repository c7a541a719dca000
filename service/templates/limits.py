"""What one template render may cost, enforced while it runs: CPU time, loop rounds, text.

Jinja compiles a template to Python that runs in the caller's thread, and a thread cannot
be stopped from outside; so a render checks its own budget wherever work can pile up:
every loop round (each `{% for %}` iterates through `rounds`), every operation the sandbox
intercepts (`*`, `+`, `%`, `**`, attribute access, method calls), every filter, every `~`
and every piece of output. Between two checks a template can only do a little: each text
it builds is refused past MAX_TEXT characters *before* it is built, and the constructs
that build a text of any size (padding, `format`, recursion) are refused outright
(`service.templates.constructs`). So the budget really interrupts, in our own thread.
"""

import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from jinja2.runtime import Undefined

# An SMS is at most SMS_MAX_SEGMENTS (<= 10) x 153 characters; a frame holds several
# steps' texts. No text a template builds, nor its whole output, needs more than this.
MAX_TEXT = 5_000
# Loop rounds in one render, all loops together: texts hardly need loops at all.
MAX_ROUNDS = 1_000
# Items in a list or tuple a template builds (`[x] * n`, `a + b`).
MAX_ITEMS = 2_000
# CPU time of one render (the thread's own: a busy machine does not make a template fail).
MAX_CPU_SECONDS = 0.05
# Numbers: `10**10**10` or a product squared over and over would take the memory.
MAX_NUMBER_BITS = 256


class OverLimit(Exception):
    """The render would cost more than a text may; the message says which limit."""


class OverTime(OverLimit):
    """The render used up its CPU time: trying the same template again costs as much."""


class NotText(Exception):
    """A `{{ }}` or a `~` would write a Python object (a method, a list, True) into a text."""


# The clock is read every this many steps: reading a thread's CPU time is a system call,
# and a text's few steps each cost microseconds (no step builds more than MAX_TEXT).
_STEPS_PER_CLOCK_READ = 16


@dataclass(slots=True)
class Budget:
    # Set at the first clock read: the steps before it are few and bounded.
    cpu_deadline: float | None = None
    steps: int = 0
    rounds: int = 0
    written: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps % _STEPS_PER_CLOCK_READ:
            return
        now = time.thread_time()
        if self.cpu_deadline is None:
            self.cpu_deadline = now + MAX_CPU_SECONDS
        elif now > self.cpu_deadline:
            raise OverTime(f"it takes more than {MAX_CPU_SECONDS * 1000:.0f} ms to write")

    def round(self) -> None:
        self.rounds += 1
        if self.rounds > MAX_ROUNDS:
            raise OverLimit(f"its loops go round more than {MAX_ROUNDS} times")
        self.step()

    def write(self, chunk: str) -> None:
        # No clock read: output that comes often comes from a loop, whose rounds read it.
        self.written += len(chunk)
        if self.written > MAX_TEXT:
            raise OverLimit(f"it writes more than {MAX_TEXT} characters")


_current: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def budget() -> Budget:
    """The running render's budget; outside a render (Jinja folding a constant while it
    compiles), a fresh one, so the size limits hold there too."""
    return _current.get() or Budget()


def start(limit: Budget) -> Token[Budget | None]:
    """Make `limit` the running render's budget until `stop` (no context manager: the
    worker renders thousands of texts a second)."""
    return _current.set(limit)


def stop(token: Token[Budget | None]) -> None:
    _current.reset(token)


def rounds(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every `{% for %}` iterates: the same items, each round counted and timed."""
    if isinstance(iterable, Undefined):
        iter(iterable)  # StrictUndefined says which name is missing
    spent = budget()
    for item in iterable:
        spent.round()
        yield item


def check_size(value: Any) -> Any:
    """`value` if it is within the size limits, else OverLimit."""
    if isinstance(value, str):
        check_length(len(value))
    elif isinstance(value, list | tuple) and len(value) > MAX_ITEMS:
        raise OverLimit(f"it builds a list of more than {MAX_ITEMS} items")
    elif isinstance(value, int) and value.bit_length() > MAX_NUMBER_BITS:
        raise OverLimit("it builds a number too large for a text")
    return value


def check_length(length: int) -> None:
    if length > MAX_TEXT:
        raise OverLimit(f"it builds a text of more than {MAX_TEXT} characters")


def replaced_length(text: str, old: str, new: str, count: int = -1) -> int:
    """How long `text.replace(old, new, count)` would be, worked out without building it."""
    found = len(text) + 1 if old == "" else text.count(old)
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def printable(value: Any) -> Any:
    """Jinja's `finalize`: what a `{{ }}` may write is words or a number, nothing else."""
    kind = type(value)
    if kind is str:  # nearly always: checked first, and cheaply (the worker's hot path)
        if len(value) > MAX_TEXT:
            check_length(len(value))
        return value
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises, naming the variable
    if isinstance(value, bool) or value is None:
        raise NotText(f"it would print {value}: use a yes/no value in {{% if %}}")
    if not isinstance(value, str | int | float):
        kind_name = "a method (add the brackets)" if callable(value) else f"a {kind.__name__}"
        raise NotText(f"it would print {kind_name}, not text")
    return check_size(value)
