"""The confirm step every change of a procedure or a visit goes through, and the
procedure page it returns to on a refusal."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from service.config import Settings
from service.console.forms import FormState
from service.console.procedure_view import VISIT_KINDS, timeline
from service.console.rendering import render, see_other
from service.errors import DomainError
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures import service as procedures
from service.procedures.consequences import Consequences
from service.procedures.models import Procedure
from service.procedures.visits import booked_appointments
from service.timeline.active import active_plan


def check_or_change(
    request: Request,
    db: Session,
    settings: Settings,
    procedure: Procedure,
    patient: Patient,
    form: FormState,
    field: str,
    confirm: str,
    check: Callable[[], Consequences],
    change: Callable[[], str],
    *,
    action: str,
    question: str,
    hidden: dict[str, str] | None = None,
) -> Response:
    """First POST: the consequences on a page to confirm (nothing changes). Second POST,
    with `confirm=yes`: the change itself, then back to the timeline (POST-redirect-GET)."""
    if form.ok:
        try:
            if confirm != "yes":
                shown = check()
                db.rollback()
                return render(
                    request,
                    "procedure_confirm.html",
                    {
                        "title": question,
                        "question": question,
                        "action": action,
                        "hidden": hidden if hidden is not None else form.values,
                        "shown": shown,
                        "patient": patient,
                        "procedure": procedure,
                    },
                )
            flash = change()
            db.commit()
            return see_other(request, f"/procedures/{procedure.id}", flash=flash)
        except DomainError as exc:
            db.rollback()  # nothing half-written
            form.from_domain_error(exc, fallback_field=field)
    return procedure_page_view(request, db, settings, procedure, patient, form.values, form.errors)


def load(db: Session, procedure_id: int) -> tuple[Procedure, Patient]:
    procedure = procedures.get_procedure(db, procedure_id)
    return procedure, get_patient(db, procedure.patient_id)


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
    return render(
        request,
        "procedure.html",
        {
            "title": f"Procedure for {patient.given_name} {patient.family_name}",
            "procedure": procedure,
            "patient": patient,
            "lines": timeline(db, procedure, patient, plan, settings),
            "visits": booked_appointments(db, procedure.id),
            "visit_kinds": VISIT_KINDS,
            "visit_names": dict(VISIT_KINDS),
            "local_value": _local_value,
            "values": values,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


def _local_value(moment: datetime, zone: str) -> str:
    """A `datetime-local` input's value for `moment` in the patient's zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
