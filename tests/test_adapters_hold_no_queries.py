"""The API's routers and the console's pages ask the domains (each domain's repository or
list functions) for rows; they build no query of their own, so a new adapter inherits
the same reads, indexes and limits."""

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[1] / "service"
ROUTERS = ("endpoints.py", "appointment_endpoints.py", "worklist.py", "alerts.py")
# Its "texts due" and urgent replies move to procedures/lists.py and conversation/inbox.py
# on the branches that give Today one meaning of each (issue 20, issues 16's front desk).
NOT_YET = {"console/today_view.py"}
QUERY_CALLS = {"select", "exec", "execute", "scalar", "scalars", "query"}


def _adapters() -> list[Path]:
    found = sorted((SERVICE / "console").glob("*.py"))
    found += sorted(p for name in ROUTERS for p in SERVICE.glob(f"*/{name}"))
    return [p for p in found if str(p.relative_to(SERVICE)) not in NOT_YET]


def _queries(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in QUERY_CALLS or name.endswith("_select"):
                out.append(f"{path.relative_to(SERVICE)}:{node.lineno} {name}()")
    return out


def test_no_router_or_console_page_builds_a_query():
    adapters = _adapters()
    assert len(adapters) > 20
    assert [q for path in adapters for q in _queries(path)] == []
