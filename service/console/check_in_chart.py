"""The procedure page's check-in chart: pain and walking by day with the baseline marked,
drawn on the server as SVG (no script, no CDN, no inline style: the page's CSP allows
none), and the rows of the table that carries the same numbers for screen readers."""

import math
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from service.checkins.listing import CheckInItem
from service.checkins.questions import number_text
from service.console.formatting import local_date

WIDTH, HEIGHT = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 28, 34
PANELS = (
    # question, heading, top of the scale (None: from the answers), colour, mark
    ("pain", "Worst back or leg pain (0-10)", 10.0, "#a4262c", "circle"),
    ("walking", "Walking before needing to stop (min)", None, "#1d4f91", "square"),
)


@dataclass(frozen=True)
class CheckInRow:
    day: int
    asked_on: str
    pain: str
    walking: str
    status: str
    # A clinic's own questions' answers, in the order of `clinic_questions(items)`.
    others: tuple[str, ...] = ()


def clinic_questions(items: list[CheckInItem]) -> list[str]:
    """The keys of the clinic's own questions asked, in the order they are asked."""
    keys: list[str] = []
    for item in items:
        if item.question not in ("pain", "walking") and item.question not in keys:
            keys.append(item.question)
    return keys


def day_label(day: int) -> str:
    return f"Day {day}" if day < 0 else f"Day +{day}"


def check_in_rows(items: list[CheckInItem], zone: str) -> list[CheckInRow]:
    """One row per time point: its answers, or what became of its questions."""
    days = sorted({item.day for item in items})
    extra = clinic_questions(items)
    rows = []
    for day in days:
        of_day = {item.question: item for item in items if item.day == day}
        first = next(iter(of_day.values()))
        when: datetime | None = first.asked_at or first.due_at
        statuses = sorted({item.status for item in of_day.values()})
        rows.append(
            CheckInRow(
                day=day,
                asked_on=local_date(when, zone) if when else "",
                pain=_shown(of_day.get("pain")),
                walking=_shown(of_day.get("walking")),
                status=", ".join(statuses),
                others=tuple(_shown(of_day.get(key)) for key in extra),
            )
        )
    return rows


def _shown(item: CheckInItem | None) -> str:
    if item is None or item.value is None:
        return "-"
    if item.low is not None and item.high is not None and item.low != item.high:
        return f"{number_text(item.low)}-{number_text(item.high)}"
    return number_text(item.value)


def chart_svg(items: list[CheckInItem]) -> Markup:
    """Both panels side by side, or an empty Markup when nothing is answered yet."""
    if not any(item.value is not None for item in items):
        return Markup("")
    days = sorted({item.day for item in items})
    panels = [_panel(items, days, *panel) for panel in PANELS]
    return Markup("").join(panels)


def _panel(
    items: list[CheckInItem],
    days: list[int],
    question: str,
    heading: str,
    top: float | None,
    colour: str,
    mark: str,
) -> Markup:
    answered = sorted(
        (i for i in items if i.question == question and i.value is not None), key=lambda i: i.day
    )
    values = [i.value for i in answered if i.value is not None]
    # Minutes: a round top a little above the longest walk (10, 20, 30, ... 60, 90, ...).
    ceiling = top if top is not None else float(math.ceil(max([9.0, *values]) * 1.1 / 10) * 10)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: int) -> float:
        step = plot_w / max(len(days) - 1, 1)
        return LEFT + days.index(day) * step

    def y(value: float) -> float:
        return TOP + plot_h - (value / ceiling) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="check-in-chart" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(heading)} by day; the same numbers are in the table below">',
        f'<text x="8" y="16" font-size="13" font-weight="bold" fill="#0b0c0c">'
        f"{escape(heading)}</text>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#505a5f"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#505a5f"/>',
    ]
    for tick in (0.0, ceiling / 2, ceiling):
        label = number_text(round(tick))
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#0b0c0c">{label}</text>'
        )
    for day in days:
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - 12}" font-size="11" text-anchor="middle" '
            f'fill="#0b0c0c">{"+" if day >= 0 else ""}{day}</text>'
        )
    baseline = next((i.value for i in answered if i.day < 0), None)
    if baseline is not None:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(baseline):.1f}" x2="{LEFT + plot_w}" '
            f'y2="{y(baseline):.1f}" stroke="#505a5f" stroke-dasharray="4 3"/>'
            f'<text x="{LEFT + plot_w}" y="{y(baseline) - 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#0b0c0c">baseline {number_text(baseline)}</text>'
        )
    points = " ".join(f"{x(i.day):.1f},{y(i.value or 0):.1f}" for i in answered)
    if len(answered) > 1:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
    for item in answered:
        cx, cy = x(item.day), y(item.value or 0)
        if mark == "circle":
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"/>')
        else:
            parts.append(
                f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{cy - 8:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#0b0c0c">{number_text(item.value or 0)}</text>'
        )
    parts.append("</svg>")
    # Every word in it went through escape() and every number is formatted here.
    return Markup("".join(parts))  # noqa: S704
