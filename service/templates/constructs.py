"""What a template may be made of, checked on its parsed form before it is compiled.

A text needs variables, `if`, a few filters and text methods; it may loop a little. What
can build a text of any size or run for any time is refused here with the reason:
padding and formatting methods (`ljust`, `center`, `format`...), most filters, macros,
recursive loops, blocks that gather output into a value (`{% set %}...{% endset %}`),
calls of anything but a text method, and a method or `loop` written where it would be
printed (its Python repr). Refused at compile time, so a template saved
before these rules existed fails at send time too (and the default text goes out).

Then every `for` is made to iterate through `limits.rounds` and every `~` through the
size check, so the budget in `service.templates.limits` sees each round and each text.
"""

from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.filters import do_default
from jinja2.runtime import Undefined
from jinja2.visitor import NodeTransformer

from service.templates import limits

# Text methods a template may call; none builds a text longer than its inputs except
# `replace`, which is checked before it runs.
TEXT_METHODS = frozenset(
    {
        "upper", "lower", "title", "capitalize", "casefold", "strip", "lstrip", "rstrip",
        "startswith", "endswith", "split", "replace", "count", "find",
    }
)  # fmt: skip
LOOP_ATTRIBUTES = frozenset(
    {
        "index", "index0", "revindex", "revindex0", "first", "last", "length",
        "previtem", "nextitem", "depth", "depth0",
    }
)  # fmt: skip
_PADDING = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_FORMATTING = frozenset({"format", "format_map"})

# Jinja nodes a template may contain; anything else is refused by name.
_ALLOWED = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.For, nodes.Assign,
    nodes.With, nodes.Name, nodes.Const, nodes.Tuple,
    nodes.List, nodes.Dict, nodes.Pair, nodes.Keyword, nodes.CondExpr, nodes.BinExpr,
    nodes.UnaryExpr, nodes.Compare, nodes.Operand, nodes.Concat, nodes.Filter, nodes.Test,
    nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Call,
)  # fmt: skip
_TAG_NAMES: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Block: "block",
}
# Blocks that gather their output into a value, out of sight of the output's limit (and
# `{% set a %}{{ b }}{{ b }}{% endset %}` doubles at each step): the expression forms do.
_GATHERING: dict[type[nodes.Node], str] = {
    nodes.AssignBlock: "{% set x %}...{% endset %} is not supported: write {% set x = ... %}",
    nodes.FilterBlock: "{% filter %} is not supported: put the filter on the value, {{ x|upper }}",
}


def _text(value: Any) -> str:
    if isinstance(value, Undefined):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        limits.printable(value)  # raises, saying what it would print
    return str(value)


def _replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old, new = _text(value), _text(old), _text(new)
    limit = -1 if count is None else count
    limits.check_length(limits.replaced_length(text, old, new, limit))
    return text.replace(old, new, limit)


def _truncate(value: Any, length: int = 255, end: str = "...") -> str:
    text = _text(value)
    return text if len(text) <= length else text[: max(length - len(end), 0)] + end


def _first(value: Any) -> Any:
    return value[0] if len(value) else ""


def _last(value: Any) -> Any:
    return value[-1] if len(value) else ""


# The filters a template may use, each taking the budget's step. Written here (not
# Jinja's) so each one refuses an object that is not text instead of printing its repr.
USER_FILTERS: dict[str, Callable[..., Any]] = {
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
    "capitalize": lambda v: _text(v).capitalize(),
    "title": lambda v: _text(v).title(),
    "trim": lambda v: _text(v).strip(),
    "default": do_default,
    "d": do_default,
    "length": len,
    "count": len,
    "first": _first,
    "last": _last,
    "int": lambda v, default=0: int(v) if str(v).strip().lstrip("-").isdigit() else default,
    "abs": abs,
    "round": lambda v, precision=0: round(v, precision),
    "replace": _replace,
    "truncate": _truncate,
    "wordcount": lambda v: len(_text(v).split()),
}

_ROUNDS = "bounded_loop_rounds"
_TEXT = "bounded_text_part"
_CHECKED = "bounded_text_size"


def _stepped(filter_function: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        limits.budget().step()
        return limits.check_size(filter_function(*args, **kwargs))

    return run


# Jinja's environment filters: the user's, and the three the transform below inserts.
ENVIRONMENT_FILTERS: dict[str, Callable[..., Any]] = {
    **{name: _stepped(function) for name, function in USER_FILTERS.items()},
    _ROUNDS: limits.rounds,
    _TEXT: _text,
    _CHECKED: _stepped(lambda text: text),
}


def refusals(ast: nodes.Template) -> list[tuple[int, str]]:
    """(line, reason) for every construct a text may not use, in every branch."""
    called = {id(call.node) for call in ast.find_all(nodes.Call)}
    attribute_bases = {id(get.node) for get in ast.find_all(nodes.Getattr)}
    found: list[tuple[int, str]] = []
    for node in _walk(ast):
        reason = _reason(node, called, attribute_bases)
        if reason and (node.lineno, reason) not in found:
            found.append((node.lineno, reason))
    return sorted(found)


def _reason(node: Any, called: set[int], attribute_bases: set[int]) -> str | None:
    if type(node) in _TAG_NAMES:
        return f"{{% {_TAG_NAMES[type(node)]} %}} is not supported"
    if type(node) in _GATHERING:
        return _GATHERING[type(node)]
    if not isinstance(node, _ALLOWED):
        return f"{type(node).__name__.lower()} is not supported in a text"
    if isinstance(node, nodes.For) and node.recursive:
        return "recursive loops are not supported"
    if isinstance(node, nodes.Filter) and node.name not in USER_FILTERS:
        return f"no filter named '{node.name}'; filters: {', '.join(USER_FILTERS)}"
    if isinstance(node, nodes.Call):
        target = node.node
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            return "calls with * or ** are not supported"
        if not (isinstance(target, nodes.Getattr) and target.attr in TEXT_METHODS):
            return None if isinstance(target, nodes.Getattr) else f"calling {_name(target)}"
    if isinstance(node, nodes.Getattr):
        return _attribute_reason(node, id(node) in called)
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in ("loop", "self"):
        alone = node.name == "self" or id(node) not in attribute_bases
        return f"'{node.name}' alone would print a Python object; use loop.index" if alone else None
    return None


def _attribute_reason(node: nodes.Getattr, called: bool) -> str | None:
    attr = node.attr
    if attr.startswith("_"):
        return None  # reported as private access, with its own message
    if attr in _PADDING:
        return f"'{attr}' is not supported: it pads a text to any length"
    if attr in _FORMATTING:
        return f"'{attr}' is not supported: write the words and {{{{ variables }}}} out"
    if attr in TEXT_METHODS:
        return None if called else f"'{attr}' is a method: write .{attr}() to use it"
    if attr in LOOP_ATTRIBUTES and not called:
        return None
    return f"'.{attr}' is not supported; text methods: {', '.join(sorted(TEXT_METHODS))}"


def _name(target: nodes.Node) -> str:
    if isinstance(target, nodes.Name):
        return f"'{target.name}' is not supported"
    return "this is not supported: only text methods can be called"


def _walk(node: nodes.Node) -> list[nodes.Node]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.iter_child_nodes())
    return out


class _Bounded(NodeTransformer):
    """Every loop through `limits.rounds`, every `~` part checked to be text and in size."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _filter(node.iter, _ROUNDS)  # type: ignore[arg-type]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        parts = [_filter(part, _TEXT) for part in node.nodes]
        return _filter(nodes.Concat(parts, lineno=node.lineno), _CHECKED)


class _EveryBranch(NodeTransformer):
    """Each `if` becomes all its branches one after another: what the budget then sees
    is the cost of every branch, whichever the sample values would take."""

    def visit_If(self, node: nodes.If) -> list[nodes.Node]:
        flat: list[nodes.Node] = []
        for body in [node.body, *(branch.body for branch in node.elif_), node.else_]:
            for child in body:
                visited = self.visit(child)
                flat.extend(visited if isinstance(visited, list) else [visited])
        return flat


def bounded(ast: nodes.Template, *, every_branch: bool = False) -> nodes.Template:
    if every_branch:
        ast = _EveryBranch().visit(ast)
    return _Bounded().visit(ast)


def _filter(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)
