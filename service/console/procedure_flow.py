"""The confirm step every change of a procedure or a visit goes through, and the
procedure page it returns to on a refusal."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from service.checkins.listing import check_ins_of
from service.config import Settings
from service.console.check_in_chart import (
    chart_svg,
    check_in_rows,
    clinic_questions,
    day_label,
)
from service.console.deps import ConsoleUser
from service.console.formatting import step_label
from service.console.forms import FormState
from service.console.procedure_view import VISIT_KINDS, timeline
from service.console.rendering import render, see_other
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import DomainError
from service.patients.models import Patient
from service.patients.search import opted_out_since
from service.procedures import consequences
from service.procedures.booking_check import DateCheck
from service.procedures.models import Procedure
from service.procedures.visits import booked_appointments
from service.timeline.active import active_plan
from service.timeline.plan import TimelinePlan


@dataclass
class ChangeDesk:
    """What a change from the procedure page needs: who makes it, the plan in force,
    and whether staff have seen its consequences and confirmed (`confirm=yes`)."""

    request: Request
    user: ConsoleUser
    db: SessionDep
    settings: SettingsDep
    now: NowDep
    confirm: Annotated[str, Form()] = ""

    @cached_property
    def plan(self) -> TimelinePlan:
        return active_plan(self.settings, self.db)

    def check_or_change(
        self,
        procedure: Procedure,
        patient: Patient,
        field: str,
        change: Callable[[], str],
        *,
        question: str,
        form: FormState | None = None,
        hidden: dict[str, str] | None = None,
        date_check: Callable[[], DateCheck | None] | None = None,
    ) -> Response:
        """First POST: what `change` would do, on a page to confirm (nothing changes).
        Second POST, confirmed: the change, then back to the timeline (POST-redirect-GET).
        `change` returns the message shown there; a refusal is shown on `field`.
        `date_check`: for a new date, whether it looks like a slip (past, far ahead)."""
        db, request = self.db, self.request
        form = form if form is not None else FormState(values={field: ""})
        if form.ok:
            try:
                if self.confirm != "yes":
                    shown = consequences.of_change(
                        db, procedure, patient, self.plan, self.settings, change
                    )
                    db.rollback()
                    return render(
                        request,
                        "procedure_confirm.html",
                        {
                            "title": question,
                            "question": question,
                            # The confirm form posts back here, with what was typed.
                            "action": request.url.path,
                            "hidden": hidden if hidden is not None else form.values,
                            "shown": shown,
                            "patient": patient,
                            "procedure": procedure,
                            "date_check": date_check() if date_check else None,
                            "new_when": _new_when(form.values, patient.timezone),
                            "moved_texts": one_row_per_text(shown.moved),
                            "added_texts": one_row_per_text(shown.added),
                            # Cancelling stops texts a patient relies on: the red button.
                            "danger": question.startswith("Cancel"),
                        },
                    )
                flash = change()
                db.commit()
                return see_other(request, f"/procedures/{procedure.id}", flash=flash)
            except DomainError as exc:
                db.rollback()  # nothing half-written
                form.from_domain_error(exc, fallback_field=field)
        return procedure_page_view(
            request, db, self.settings, procedure, patient, form.values, form.errors
        )


Desk = Annotated[ChangeDesk, Depends()]


@dataclass(frozen=True)
class TextRow:
    """One text of a change as the patient gets it: steps due together are one text."""

    label: str
    was_due_at: datetime | None
    due_at: datetime
    status: str
    status_reason: str | None
    text: str | None


def one_row_per_text(changes: list[consequences.TextChange]) -> list[TextRow]:
    """The changes, one row per text: a merged text covers several steps, listed once."""
    rows: dict[tuple[object, ...], list[consequences.TextChange]] = {}
    for change in changes:
        key = (change.due_at, change.status, change.text or change.step)
        rows.setdefault(key, []).append(change)
    return [
        TextRow(
            step_label(",".join(dict.fromkeys(c.step for c in group))),
            min((c.was_due_at for c in group if c.was_due_at), default=None),
            group[0].due_at,
            group[0].status,
            group[0].status_reason,
            group[0].text,
        )
        for group in rows.values()
    ]


def _new_when(values: dict[str, str], zone: str) -> datetime | None:
    """The new date typed on the form (a datetime-local value), in the patient's zone."""
    for value in values.values():
        try:
            wall = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
        if wall.tzinfo is None:
            return wall.replace(tzinfo=ZoneInfo(zone))
    return None


def procedure_page_view(
    request: Request,
    db: Session,
    settings: Settings,
    procedure: Procedure,
    patient: Patient,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    plan = active_plan(settings, db)
    assert procedure.id is not None
    check_ins = check_ins_of(db, procedure, plan, request.app.state.clock())
    return render(
        request,
        "procedure.html",
        {
            "title": f"Procedure for {patient.given_name} {patient.family_name}",
            "procedure": procedure,
            "patient": patient,
            "lines": timeline(db, procedure, patient, plan, settings),
            "visits": booked_appointments(db, procedure.id),
            "opted_out_since": opted_out_since(db, [patient.phone]).get(patient.phone),
            "visit_kinds": VISIT_KINDS,
            "visit_names": dict(VISIT_KINDS),
            "local_value": _local_value,
            "values": values,
            "errors": errors,
            "check_in_chart": chart_svg(check_ins),
            "check_in_rows": check_in_rows(check_ins, patient.timezone),
            "check_in_questions": clinic_questions(check_ins),
            "day_label": day_label,
        },
        status_code=422 if errors else 200,
    )


def _local_value(moment: datetime, zone: str) -> str:
    """A `datetime-local` input's value for `moment` in the patient's zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
