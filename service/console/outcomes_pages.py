"""/outcomes (admins): per check-in time point, how many were asked and answered, the
median answer and change from baseline, the share whose pain fell by 2 points or more;
for procedures in a date range; the same table as CSV."""

import csv
import io

from fastapi import Request
from fastapi.responses import Response

from service.checkins.outcomes import as_csv_rows, outcome_period, outcomes
from service.console.check_in_chart import day_label
from service.console.deps import ConsoleAdmin
from service.console.forms import FormState
from service.console.rendering import render, secure
from service.console.routing import console_router
from service.deps import NowDep, SessionDep, SettingsDep

router = console_router()


@router.get("/outcomes")
def outcomes_page(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    since: str = "",
    until: str = "",
    format: str = "",
) -> Response:
    """Procedures on clinic-local days from `since` to `until` (included; default a year)."""
    form = FormState(values={"since": since, "until": until})
    first, last = form.days()
    rows = []
    if form.ok:
        starts, ends = outcome_period(first, last, settings.clinic_timezone, now)
        rows = outcomes(db, starts, ends)
        if format == "csv":
            out = io.StringIO()
            csv.writer(out).writerows(as_csv_rows(rows))
            response = Response(
                out.getvalue(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
            )
            return secure(response)
    context = {
        "title": "Outcomes",
        "rows": rows,
        "values": form.values,
        "errors": form.errors,
        "day_label": day_label,
        "csv_query": f"since={since}&until={until}&format=csv",
    }
    return render(request, "outcomes.html", context, status_code=200 if form.ok else 422)
