"""/plan (admin): the timeline plan as a form, saved as a new version like PUT /v1/plan;
a dry run of "apply to pending" before applying; versions with restore."""

import json
import re
from typing import Annotated, Any

from fastapi import Form, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from service.console.deps import ConsoleAdmin
from service.console.forms import FormState, WholeForm
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.console.today_view import step_label
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import InvalidInput
from service.patients.repository import patients_by_id
from service.plan_admin import changes, service, versions
from service.timeline.active import latest_record
from service.timeline.plan import DEFAULT_PLAN, Phase, Step

router = console_router()

STEP_FIELDS = ("day", "months", "at", "repeat")
WHOLE_NUMBERS = ("day", "months", "repeat")


def _values_of(data: dict[str, Any]) -> dict[str, str]:
    """The stored plan as the form's values (every value a string, as typed)."""
    values = {
        "fasting_hours": str(data["fasting_hours"]),
        "window_opens": data["sending_window"]["opens"],
        "window_closes": data["sending_window"]["closes"],
    }
    for step in DEFAULT_PLAN.steps:
        saved = data["steps"].get(step.name, service.step_json(step))
        for name in STEP_FIELDS:
            value = saved[name]
            values[f"{step.name}-{name}"] = "" if value is None else str(value)
        values[f"{step.name}-enabled"] = "on" if saved["enabled"] else ""
    return values


@router.get("/plan")
def plan_page(
    request: Request, admin: ConsoleAdmin, db: SessionDep, settings: SettingsDep
) -> Response:
    form = FormState(values=_values_of(versions.current_settings(db, settings)))
    return _page(request, db, form)


@router.post("/plan")
def save_plan(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    posted: WholeForm,
) -> Response:
    form = FormState(values=posted)
    for step in DEFAULT_PLAN.steps:
        form.values.setdefault(f"{step.name}-enabled", "")
    request_body = _plan_request(form)
    if form.ok:
        try:
            record = changes.save(db, settings, request_body, admin.subject, now)
            db.commit()
            return see_other(
                request,
                "/plan",
                flash=f"Plan saved as version {record.version}. Texts booked from now on "
                "follow it; check what would change for procedures already booked, below.",
            )
        except InvalidInput as exc:
            db.rollback()  # nothing saved
            form.error(_form_field(exc.field), exc.message)
    return _page(request, db, form, status_code=422)


@router.get("/plan/apply-to-pending")
def dry_run_page(
    request: Request, admin: ConsoleAdmin, db: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    """What applying would change, computed and rolled back: nothing changes here."""
    version, report = changes.dry_run(db, settings, now)
    patients = patients_by_id(db, {c.patient_id for c in report.changes})
    context = {
        "title": "Apply the plan to texts already booked",
        "report": report,
        "patients": patients,
        "version": version,
    }
    return render(request, "plan_apply.html", context)


@router.post("/plan/apply-to-pending")
def apply_plan(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    version: Annotated[int, Form()] = -1,
) -> Response:
    try:
        report = changes.apply_to_pending(
            db, settings, admin.subject, now, expected_version=version
        )
    except changes.PlanChangedSinceDryRun:
        # The dry run the person read was for another plan: show the new one first.
        return see_other(
            request,
            "/plan/apply-to-pending",
            flash="The plan changed since you checked. Check what would change again.",
        )
    db.commit()
    return see_other(
        request,
        "/plan",
        flash=f"Applied: the texts of {report.procedures} "
        f"{'procedure' if report.procedures == 1 else 'procedures'} changed.",
    )


@router.post("/plan/versions/{version}/restore")
def restore_plan(
    version: Annotated[int, Path(ge=0, le=2_147_483_647)],
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    record = changes.restore(db, settings, version, admin.subject, now)
    db.commit()
    return see_other(
        request, "/plan", flash=f"Version {version} restored as version {record.version}."
    )


def _plan_request(form: FormState) -> dict[str, Any]:
    """The form as PUT /v1/plan's body; whole-number fields checked here first."""
    fasting = _whole(form, "fasting_hours")
    steps = []
    for step in DEFAULT_PLAN.steps:
        item: dict[str, Any] = {"name": step.name}
        for name in WHOLE_NUMBERS:
            item[name] = _whole(form, f"{step.name}-{name}")
        at = form.values.get(f"{step.name}-at", "").strip()
        item["at"] = at or None
        item["enabled"] = form.values.get(f"{step.name}-enabled") == "on"
        steps.append(item)
    window = {
        "opens": form.values.get("window_opens", "").strip(),
        "closes": form.values.get("window_closes", "").strip(),
    }
    return {"fasting_hours": fasting, "sending_window": window, "steps": steps}


def _whole(form: FormState, field: str) -> int | None:
    raw = form.values.get(field, "").strip()
    if re.fullmatch(r"-?\d{1,4}", raw):
        return int(raw)
    form.error(field, "Enter a whole number, like 3 (or -7 for days before)")
    return None


def _form_field(field: str | None) -> str:
    """The domain's field path ('steps[3].day', 'sending_window.opens') as the form's."""
    match = re.fullmatch(r"steps\[(\d+)\]\.(\w+)", field or "")
    if match and int(match.group(1)) < len(DEFAULT_PLAN.steps):
        name = match.group(2) if match.group(2) in STEP_FIELDS else "day"
        return f"{DEFAULT_PLAN.steps[int(match.group(1))].name}-{name}"
    if field == "sending_window.closes":
        return "window_closes"
    if field and field.startswith("sending_window"):
        return "window_opens"
    return "fasting_hours"


def _page(request: Request, db: Session, form: FormState, *, status_code: int = 200) -> Response:
    record = latest_record(db)
    history = [(r, json.loads(r.body)) for r in versions.plan_versions(db)]
    steps = [
        (step, step_label(step.name), step.phase is Phase.before, _days_sent(step, form.values))
        for step in DEFAULT_PLAN.steps
    ]
    context = {
        "title": "Plan",
        "values": form.values,
        "errors": form.errors,
        "steps": steps,
        "version": record.version if record else 0,
        "record": record,
        "history": history,
    }
    return render(request, "plan.html", context, status_code=status_code)


def _days_sent(step: Step, values: dict[str, str]) -> str:
    """The days a step goes out on, from the form's day and repetitions and the step's
    spacing: warning signs at day 2 repeated twice, 5 days apart, go out on days +2 and +7."""
    try:
        first, repeat = (
            int(values.get(f"{step.name}-day", "")),
            int(values.get(f"{step.name}-repeat", "")),
        )
        months = int(values.get(f"{step.name}-months", "") or 0)
    except ValueError:
        return ""
    days = [first + i * step.repeat_every_days for i in range(max(repeat, 1))][:31]
    written = [f"{d:+d}".replace("-", "\u2212") if d else "0" for d in days]
    if len(days) == 1:
        text = f"Day {written[0]}"
    elif step.repeat_every_days == 1 and len(days) > 2:
        text = f"Days {written[0]} to {written[-1]}"
    else:
        text = "Days " + ", ".join(written[:-1]) + f" and {written[-1]}"
    if months:
        text += f" after {months} calendar {'month' if months == 1 else 'months'}"
    return text
