"""/procedures/{id}: the timeline with each text's words, and every change to the
procedure or its visits shown with its consequences before it is confirmed."""

from datetime import date, time, timedelta
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import Response

from service.audit.reads import Read, record_read
from service.console.deps import ConsoleUser
from service.console.forms import FormState
from service.console.patients_pages import parse_local
from service.console.procedure_flow import Desk, procedure_page_view
from service.console.procedure_view import printable, timeline
from service.console.rendering import render
from service.console.routing import console_router
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.procedures import changes
from service.procedures import service as procedures
from service.procedures.booking_check import DateCheck, check_booking
from service.procedures.lists import procedures_between
from service.timeline.active import active_plan
from service.timeline.local_time import local_date, local_instant

router = console_router()


@router.get("/procedures/{procedure_id}")
def procedure_page(
    procedure_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    procedure, patient = procedures.read_procedure(db, user.subject, procedure_id, now)
    return procedure_page_view(request, db, settings, procedure, patient, {}, {})


@router.get("/procedures/{procedure_id}/print")
def print_page(
    procedure_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    procedure, patient = procedures.read_procedure(
        db, user.subject, procedure_id, now, printed=True
    )
    lines = timeline(db, procedure, patient, active_plan(settings, db), settings)
    sheet = printable(lines, procedure, patient, settings)
    return render(
        request,
        "procedure_print.html",
        {"title": sheet["title"], "sheet": sheet, "patient": patient, "procedure": procedure},
    )


@router.post("/procedures/{procedure_id}/reschedule")
def reschedule(
    procedure_id: ResourceId, desk: Desk, scheduled_at: Annotated[str, Form()] = ""
) -> Response:
    procedure, patient = procedures.load_procedure(desk.db, procedure_id)
    form = FormState(values={"scheduled_at": scheduled_at})
    wall = parse_local(form, "scheduled_at", "Enter the new date and time")

    def change() -> str:
        assert wall is not None
        changes.reschedule_procedure(
            desk.db, procedure, patient, wall, desk.plan, desk.user.subject, desk.now
        )
        return "Procedure moved"

    def date_check() -> DateCheck | None:
        assert wall is not None
        return check_booking(desk.db, patient, wall, desk.plan, desk.now)

    return desk.check_or_change(
        procedure,
        patient,
        "scheduled_at",
        change,
        question="Move the procedure?",
        form=form,
        date_check=date_check,
    )


@router.post("/procedures/{procedure_id}/cancel")
def cancel(procedure_id: ResourceId, desk: Desk) -> Response:
    procedure, patient = procedures.load_procedure(desk.db, procedure_id)

    def change() -> str:
        changes.cancel_procedure(
            desk.db, procedure, patient, desk.plan, desk.user.subject, desk.now
        )
        return "Procedure cancelled"

    return desk.check_or_change(
        procedure, patient, "cancel", change, question="Cancel the procedure?"
    )


@router.get("/procedures")
def procedures_list_page(
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    days: Annotated[int, Query(ge=1, le=31)] = 7,
) -> Response:
    """Procedures by date, from a day in the clinic's calendar (today by default)."""
    zone = settings.clinic_zone
    form = FormState(values={"from": start})
    first = local_date(now, zone)
    if start:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            form.error("from", "Enter a date like 2027-03-16")
    begins = local_instant(first, time(0, 0), zone)
    ends = local_instant(first + timedelta(days=days), time(0, 0), zone)
    page = procedures_between(db, begins, ends, None, limit=500)
    record_read(db, user.subject, Read.procedures, at=now, shown=[p.patient_id for p in page.items])
    return render(
        request,
        "procedures.html",
        {
            "title": "Procedures",
            "rows": page.items,
            "total": page.total,
            "first": first,
            "last": first + timedelta(days=days - 1),
            "days": days,
            "previous_from": (first - timedelta(days=days)).isoformat(),
            "next_from": (first + timedelta(days=days)).isoformat(),
            "values": {"from": first.isoformat()},
            "errors": form.errors,
        },
        status_code=422 if form.errors else 200,
    )
