"""Compile, check and render the message templates clinic admins edit.

Templates are Jinja run in Jinja's immutable sandbox: no private attributes, no methods
that mutate a list or dict, and undefined variables raise instead of printing nothing.
The environment has no globals (`range`, `lipsum`, `cycler`, ...): an SMS template only
needs the variables in `TEMPLATE_VARIABLES`, `if`, and filters.

The sandbox guards *what* a template can reach, not how much memory or time it takes.
Repetition and powers (`'a' * 10**9`) are capped below because Jinja would otherwise
fold them at compile time, but e.g. `given_name.ljust(10**9)` still allocates a large
string: templates are written by signed-in clinic admins, not by patients.
"""

import functools
import re
import types
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.environment import Template
from jinja2.exceptions import UndefinedError
from jinja2.runtime import Context, new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# name -> (what it holds, sample value used for previews and validation). Samples have
# the type the composer passes (numbers are ints), so validation sees what sending sees.
# To add a variable: add one line here, then supply it where texts are composed.
_VARIABLES: dict[str, tuple[str, str | int]] = {
    "given_name": ("The patient's given (first) name.", "Maria"),
    "family_name": ("The patient's family (last) name.", "Lopez"),
    "clinic_name": ("The clinic's name.", "Valley Spine Center"),
    "clinic_phone": ("The clinic's phone number.", "(555) 201-4477"),
    "clinic_after_hours_phone": (
        "The after-hours number (CLINIC_AFTER_HOURS_PHONE); empty when the clinic has none.",
        "(555) 201-4400",
    ),
    "procedure_date": ("Day of the procedure, e.g. 'Tuesday, March 16'.", "Tuesday, March 16"),
    "procedure_time": ("Time the procedure starts, e.g. '7:00 AM'.", "7:00 AM"),
    "fasting_start_time": (
        "Clock time fasting begins, e.g. '11:00 PM'.",
        "11:00 PM",
    ),
    "fasting_start_day": (
        "The day fasting starts, with its lead-in word, e.g. 'on Monday, March 15'.",
        "on Monday, March 15",
    ),
    "fasting_hours": ("How many hours before the procedure fasting starts, e.g. 8.", 8),
    "appointment_date": (
        "Day of the follow-up appointment, e.g. 'Friday, March 26'.",
        "Friday, March 26",
    ),
    "appointment_time": ("Time of the follow-up appointment, e.g. '10:30 AM'.", "10:30 AM"),
    "appointment_kind": ("What the appointment is, e.g. 'wound check'.", "wound check"),
    "wound_check_from_day": ("First day after the procedure for the wound check, e.g. 7.", 7),
    "wound_check_to_day": ("Last day after the procedure for the wound check, e.g. 10.", 10),
    "wound_check_from_date": (
        "First day of the wound-check window, e.g. 'Tuesday, March 23'.",
        "Tuesday, March 23",
    ),
    "wound_check_to_date": (
        "Last day of the wound-check window, e.g. 'Friday, March 26'.",
        "Friday, March 26",
    ),
    "two_week_date": (
        "About when the 2-week follow-up falls, e.g. 'Tuesday, March 30'.",
        "Tuesday, March 30",
    ),
    "three_month_date": (
        "About when the 3-month follow-up falls, e.g. 'Wednesday, June 16'.",
        "Wednesday, June 16",
    ),
    "normal_activity_weeks": (
        "When most people return to normal daily activity, in weeks (setting "
        "NORMAL_ACTIVITY_WEEKS), e.g. '2-4'.",
        "2-4",
    ),
    "ice_day": ("Which day of the seven ice days it is (0 when unknown), e.g. 3.", 3),
    "mention_fasting": (
        "True when the patient was already told a fasting time (for `procedure_moved`).",
        True,
    ),
}

TEMPLATE_VARIABLES: dict[str, str] = {name: desc for name, (desc, _) in _VARIABLES.items()}
SAMPLE_VARIABLES: dict[str, str | int] = {name: sample for name, (_, sample) in _VARIABLES.items()}

# Caps for `*` and `**`: no SMS needs more, and they stop a one-line memory bomb.
_MAX_REPEAT_LEN = 2_000
_MAX_POWER_BITS = 256


class _SmsSandbox(ImmutableSandboxedEnvironment):
    # Intercepting an operator also stops Jinja constant-folding it at compile time,
    # where `{{ 'a' * 10**9 }}` would build the gigabyte while merely validating.
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > _MAX_REPEAT_LEN
                ):
                    raise SecurityError(f"repeating to more than {_MAX_REPEAT_LEN} items")
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and max(left.bit_length(), 1) * abs(right) > _MAX_POWER_BITS
        ):
            raise SecurityError("number too large")
        return super().call_binop(context, operator, left, right)


_ENV = _SmsSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.globals.clear()


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


class TemplateInvalid(Exception):
    def __init__(self, problems: list[TemplateProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def validate_template(
    body: str, allowed: Iterable[str] = TEMPLATE_VARIABLES
) -> list[TemplateProblem]:
    """Every problem found in `body`, or [] if it is fine to save.

    Checks syntax, variable names (in every branch), private-attribute access (in every
    branch), then renders once with sample values to catch what the sandbox refuses and
    other runtime errors (only along the branches the sample values take).
    """
    if not body.strip():
        return [TemplateProblem(None, "the template is empty")]
    try:
        ast = _ENV.parse(body)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(exc.lineno, f"syntax error: {exc.message or exc}")]
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        return [TemplateProblem(None, f"cannot read the template: {_describe(exc)}")]
    try:
        template = _compile(body)
    except TemplateSyntaxError as exc:  # e.g. an unknown filter
        return [TemplateProblem(exc.lineno, exc.message or str(exc))]
    except Exception as exc:
        return [TemplateProblem(None, f"cannot compile the template: {_describe(exc)}")]

    allowed = set(allowed)
    unknown = meta.find_undeclared_variables(ast) - allowed
    first_use: dict[str, int] = {}
    for use in ast.find_all(nodes.Name):
        if use.ctx == "load" and use.name in unknown:
            first_use[use.name] = min(first_use.get(use.name, use.lineno), use.lineno)
    problems = [
        TemplateProblem(first_use.get(name), f"unknown variable '{name}'")
        for name in sorted(unknown, key=lambda n: (first_use.get(n, 0), n))
    ]
    private = _private_access(ast)
    unsupported = [
        TemplateProblem(node.lineno, f"{{% {_TAGS[type(node)]} %}} is not supported")
        for node in ast.find_all(tuple(_TAGS))
    ]
    problems += private + unsupported
    if unsupported:  # rendering would only fail for want of a loader
        return _in_order(problems)

    samples = {name: SAMPLE_VARIABLES.get(name, f"[{name}]") for name in allowed}
    try:
        template.render(samples)
    except Exception as exc:
        line = _template_line(exc)
        # Skip what is already reported: an unknown name, or a private access on that line.
        reported = (
            isinstance(exc, UndefinedError)
            and any(str(exc) == f"'{name}' is undefined" for name in unknown)
        ) or (isinstance(exc, SecurityError) and line in {p.line for p in private})
        if not reported:
            problems.append(TemplateProblem(line, _describe(exc)))
    return _in_order(problems)


def render_template(body: str, variables: Mapping[str, object]) -> str:
    """The text `body` renders to with `variables`, whitespace tidied for an SMS.

    Raises `TemplateInvalid` if the template does not compile or fails to render
    (a variable it uses is missing, the sandbox refuses an access, ...).
    """
    try:
        template = _compile(body)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid([TemplateProblem(exc.lineno, exc.message or str(exc))]) from exc
    except Exception as exc:
        raise TemplateInvalid([TemplateProblem(None, _describe(exc))]) from exc
    try:
        # What `template.render` does, without copying the variables into a new context
        # (the sandbox has no globals to merge in): the worker renders thousands a second.
        context = new_context(
            _ENV,
            template.name,
            template.blocks,
            variables if isinstance(variables, dict) else dict(variables),
            shared=True,
        )
        text = _ENV.concat(template.root_render_func(context))
    except Exception:
        # Rendered again the usual way: Jinja then points the error at the template's line.
        try:
            text = template.render(dict(variables))
        except Exception as exc:
            raise TemplateInvalid([TemplateProblem(_template_line(exc), _describe(exc))]) from exc
    return normalize_whitespace(text)


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


# Tags that pull in other templates: there are none to pull in.
_TAGS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from",
}


@functools.lru_cache(maxsize=512)
def _compile(body: str) -> Template:
    return _ENV.from_string(body)


def _private_access(ast: nodes.Template) -> list[TemplateProblem]:
    """`x._y`, `x['_y']` and `x|attr('_y')`, found statically so untaken branches count."""
    found: list[TemplateProblem] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            arg = node.args[0]
            name = arg.value if isinstance(arg, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_"):
            found.append(TemplateProblem(node.lineno, f"access to '{name}' is not allowed"))
    return found


def _in_order(problems: list[TemplateProblem]) -> list[TemplateProblem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def _template_line(exc: BaseException) -> int | None:
    # Jinja rewrites tracebacks so template frames carry the template's own line numbers.
    line = None
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc}"
    if isinstance(exc, UndefinedError):
        return str(exc)
    if isinstance(exc, OverflowError):
        return f"too large: {exc}"
    return f"{type(exc).__name__}: {exc}"
