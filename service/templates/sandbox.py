"""Compile, check and render the message templates clinic admins and staff write.

Templates are Jinja run in Jinja's immutable sandbox: no private attributes, no methods
that mutate a list or dict, and undefined variables raise instead of printing nothing.
The environment has no globals (`range`, `lipsum`, `cycler`, ...): an SMS template only
needs the variables in `TEMPLATE_VARIABLES`, `if`, a few filters and text methods.

The sandbox guards *what* a template can reach; `constructs` refuses what could build a
text of any size (padding, `format`, macros...) and `limits` bounds every render while it
runs (CPU time, loop rounds, text size), at save, preview and send alike. A `{{ }}` may
only print words or a number, never a Python object's repr.
"""

import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.debug import rewrite_traceback_stack
from jinja2.environment import Template
from jinja2.exceptions import UndefinedError
from jinja2.runtime import Context, LoopContext, new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from service.templates import constructs, limits
from service.templates.variables import SAMPLE_VARIABLES, TEMPLATE_VARIABLES, default_samples
from service.templates.whitespace import normalize_whitespace

__all__ = [
    "SAMPLE_VARIABLES",
    "TEMPLATE_VARIABLES",
    "TemplateInvalid",
    "TemplateProblem",
    "normalize_whitespace",
    "render_template",
    "validate_template",
]

# Caps for `*` and `**`: no SMS needs more, and they stop a one-line memory bomb.
_MAX_REPEAT_LEN = 2_000
_MAX_POWER_BITS = 256


class _SmsSandbox(ImmutableSandboxedEnvironment):
    # Intercepting an operator also stops Jinja constant-folding it at compile time,
    # where `{{ 'a' * 10**9 }}` would build the gigabyte while merely validating.
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        limits.budget().step()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > _MAX_REPEAT_LEN
                ):
                    raise SecurityError(f"repeating to more than {_MAX_REPEAT_LEN} items")
            both_numbers = isinstance(left, int) and isinstance(right, int)
            if both_numbers and left.bit_length() + right.bit_length() > limits.MAX_NUMBER_BITS:
                raise SecurityError("number too large")
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and max(left.bit_length(), 1) * abs(right) > _MAX_POWER_BITS
        ):
            raise SecurityError("number too large")
        if operator == "%" and isinstance(left, str):
            # '%0100000000d' % 1 pads to any width.
            raise SecurityError("'%' formatting is not supported: write the words out")
        if operator == "+" and isinstance(left, str) and isinstance(right, str):
            limits.check_length(len(left) + len(right))
        return limits.check_size(super().call_binop(context, operator, left, right))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Only what `constructs` lets a template name; the rest of Python stays out.
        if isinstance(obj, LoopContext):
            return attr in constructs.LOOP_ATTRIBUTES
        return isinstance(obj, str) and attr in constructs.TEXT_METHODS

    def wrap_str_format(self, value: Any) -> None:
        # Jinja hands `str.format` out before asking `is_safe_attribute`; we never do.
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        limits.budget().step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        # `x['upper']` does not reach attributes (Jinja's fallback): only `x.upper()` does.
        limits.budget().step()
        try:
            return obj[argument]
        except (TypeError, LookupError):
            return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        limits.budget().step()
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if not (isinstance(owner, str) and name in constructs.TEXT_METHODS):
            raise SecurityError(f"calling {name or 'this'} is not supported")
        if name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            if isinstance(count, int):
                limits.check_length(limits.replaced_length(owner, args[0], args[1], count))
        return limits.check_size(super().call(__context, __obj, *args, **kwargs))


_ENV = _SmsSandbox(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    finalize=limits.printable,
)
_ENV.globals.clear()
_ENV.filters = dict(constructs.ENVIRONMENT_FILTERS)


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
    body: str,
    allowed: Iterable[str] = TEMPLATE_VARIABLES,
    samples: Sequence[Mapping[str, object]] | None = None,
) -> list[TemplateProblem]:
    """Every problem found in `body`, or [] if it is fine to save.

    Checks syntax, variable names and what the template is made of (in every branch),
    then renders it within the limits with each of `samples` (by default the sample
    patient and others: accented, long and short names, other values), and once with
    every branch of every `if` taken, so a costly branch no sample reaches is found too.
    """
    if not body.strip():
        return [TemplateProblem(None, "the template is empty")]
    try:
        ast = _ENV.parse(body)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(exc.lineno, f"syntax error: {exc.message or exc}")]
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        return [TemplateProblem(None, f"cannot read the template: {_describe(exc)}")]

    allowed = set(allowed)
    try:
        problems = _private_access(ast)
        problems += [TemplateProblem(line, reason) for line, reason in constructs.refusals(ast)]
        try:
            problems += _unknown_variables(ast, allowed)
        except TemplateSyntaxError as exc:  # an unknown test or filter, found compiling
            if not problems:  # an unknown filter is already among them
                problems.append(TemplateProblem(exc.lineno, exc.message or str(exc)))
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        return [TemplateProblem(None, f"cannot read the template: {_describe(exc)}")]
    if problems:  # rendering would only repeat them
        return _in_order(problems)
    try:
        template, every_branch = _compile(body), _compile(body, every_branch=True)
    except TemplateInvalid as exc:
        return exc.problems

    defaults = {name: SAMPLE_VARIABLES.get(name, f"[{name}]") for name in allowed}
    for sample in samples if samples is not None else default_samples():
        try:
            _render(template, body, {**defaults, **sample})
        except TemplateInvalid as exc:
            return exc.problems
    try:
        _render(every_branch, body, defaults)
    except TemplateInvalid as exc:
        # Only what any branch costs or prints: another error in a branch the samples
        # do not take (a division by zero) only falls back to the default when sent.
        if isinstance(exc.__cause__, limits.OverLimit | limits.NotText):
            return [
                TemplateProblem(p.line, f"{p.message} (in a branch of an {{% if %}})")
                for p in exc.problems
            ]
    return []


def render_template(body: str, variables: Mapping[str, object]) -> str:
    """The text `body` renders to with `variables`, whitespace tidied for an SMS.

    Raises `TemplateInvalid` if the template does not compile, is made of what a text may
    not use, fails to render (a variable it uses is missing, the sandbox refuses an
    access, ...) or goes over the limits in `service.templates.limits`.
    """
    return normalize_whitespace(_render(_compile(body), body, variables))


def _render(template: Template, body: str, variables: Mapping[str, object]) -> str:
    # What `template.render` does, without copying the variables into a new context (the
    # sandbox has no globals to merge in: the worker renders thousands a second), each
    # piece of output counted against the render's budget as it comes.
    context = new_context(
        _ENV,
        template.name,
        template.blocks,
        variables if isinstance(variables, dict) else dict(variables),
        shared=True,
    )
    spent = limits.Budget()
    token = limits.start(spent)
    try:
        parts = []
        for part in template.root_render_func(context):
            spent.write(part)
            parts.append(part)
    except Exception:
        # Jinja's own rewrite: the traceback's frames then carry the template's lines.
        exc = rewrite_traceback_stack(source=body)
        problem = TemplateProblem(_template_line(exc), _describe(exc))
        raise TemplateInvalid([problem]) from exc
    finally:
        limits.stop(token)
    return "".join(parts)


@lru_cache(maxsize=512)
def _compile(body: str, *, every_branch: bool = False) -> Template:
    """The template, refused (TemplateInvalid) if it uses what a text may not."""
    try:
        ast = _ENV.parse(body)
        refused = constructs.refusals(ast)
        if refused:
            raise TemplateInvalid([TemplateProblem(line, why) for line, why in refused])
        return _ENV.from_string(constructs.bounded(ast, every_branch=every_branch))
    except TemplateSyntaxError as exc:  # also an unknown test, found while compiling
        raise TemplateInvalid([TemplateProblem(exc.lineno, exc.message or str(exc))]) from exc
    except TemplateInvalid:
        raise
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        raise TemplateInvalid([TemplateProblem(None, _describe(exc))]) from exc


def _unknown_variables(ast: nodes.Template, allowed: set[str]) -> list[TemplateProblem]:
    unknown = meta.find_undeclared_variables(ast) - allowed - {"loop", "self"}
    first_use: dict[str, int] = {}
    for use in ast.find_all(nodes.Name):
        if use.ctx == "load" and use.name in unknown:
            first_use[use.name] = min(first_use.get(use.name, use.lineno), use.lineno)
    return [
        TemplateProblem(first_use.get(name), f"unknown variable '{name}'")
        for name in sorted(unknown, key=lambda n: (first_use.get(n, 0), n))
    ]


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
    if isinstance(exc, limits.OverLimit):
        return f"over the limits of a text: {exc}"
    if isinstance(exc, limits.NotText):
        return f"not text: {exc}"
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc}"
    if isinstance(exc, UndefinedError):
        return str(exc)
    if isinstance(exc, OverflowError):
        return f"too large: {exc}"
    return f"{type(exc).__name__}: {exc}"
