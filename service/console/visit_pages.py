"""Follow-up visits from the procedure page: book, move, cancel, each confirmed after
its consequences are shown."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from service.audit.service import audit, audit_change
from service.console.deps import ConsoleUser
from service.console.forms import FormState
from service.console.patients_pages import parse_local
from service.console.procedure_flow import check_or_change, load
from service.console.procedure_view import VISIT_KINDS
from service.console.routing import console_router
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.procedures import consequences, visits
from service.procedures.consequences import Consequences
from service.timeline.active import active_plan
from service.timeline.plan import FollowUpKind

router = console_router()
Confirm = Annotated[str, Form()]


@router.post("/procedures/{procedure_id}/visits")
def book_visit(
    procedure_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    kind: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
    confirm: Confirm = "",
) -> Response:
    procedure, patient = load(db, procedure_id)
    form = FormState(values={"kind": kind, "starts_at": starts_at})
    if kind not in {k for k, _ in VISIT_KINDS}:
        form.error("kind", "Choose which visit was booked")
    wall = parse_local(form, "starts_at", "Enter the date and time of the visit")
    plan = active_plan(settings, db)

    def check() -> Consequences:
        assert wall is not None
        return consequences.of_visit_booking(
            db, procedure, patient, FollowUpKind(kind), wall, plan, settings, now
        )

    def change() -> str:
        assert wall is not None
        visit = visits.book_visit(db, procedure, patient, FollowUpKind(kind), wall, plan, now)
        audit(
            db,
            user,
            "create",
            "appointment",
            visit.id,
            patient.id,
            at=now,
            after={"procedure_id": procedure.id, "kind": visit.kind, "starts_at": visit.starts_at},
        )
        return "Visit booked"

    return check_or_change(
        request,
        db,
        settings,
        procedure,
        patient,
        form,
        "starts_at",
        confirm,
        check,
        change,
        action=f"/procedures/{procedure_id}/visits",
        question="Book the visit?",
    )


@router.post("/visits/{appointment_id}/move")
def move_visit(
    appointment_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    starts_at: Annotated[str, Form()] = "",
    confirm: Confirm = "",
) -> Response:
    appointment, procedure, patient = visits.load_visit(db, appointment_id)
    field = f"move_{appointment_id}"
    form = FormState(values={field: starts_at})
    wall = parse_local(form, field, "Enter the new date and time of the visit")
    plan = active_plan(settings, db)
    was = appointment.starts_at

    def check() -> Consequences:
        assert wall is not None
        return consequences.of_visit_move(
            db, appointment, procedure, patient, wall, plan, settings, now
        )

    def change() -> str:
        assert wall is not None
        visits.move_visit(db, appointment, procedure, patient, wall, plan, now)
        audit_change(
            db,
            user,
            "move",
            "appointment",
            appointment.id,
            patient.id,
            at=now,
            field="starts_at",
            was=was,
            now_is=appointment.starts_at,
        )
        return "Visit moved"

    return check_or_change(
        request,
        db,
        settings,
        procedure,
        patient,
        form,
        field,
        confirm,
        check,
        change,
        action=f"/visits/{appointment_id}/move",
        question="Move the visit?",
        hidden={"starts_at": starts_at},
    )


@router.post("/visits/{appointment_id}/cancel")
def cancel_visit(
    appointment_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    confirm: Confirm = "",
) -> Response:
    appointment, procedure, patient = visits.load_visit(db, appointment_id)
    plan = active_plan(settings, db)
    was = appointment.status

    def check() -> Consequences:
        return consequences.of_visit_cancel(
            db, appointment, procedure, patient, plan, settings, now
        )

    def change() -> str:
        visits.cancel_visit(db, appointment, procedure, patient, plan, now)
        audit_change(
            db,
            user,
            "cancel",
            "appointment",
            appointment.id,
            patient.id,
            at=now,
            field="status",
            was=was,
            now_is=appointment.status,
        )
        return "Visit cancelled"

    field = f"cancel_{appointment_id}"
    return check_or_change(
        request,
        db,
        settings,
        procedure,
        patient,
        FormState(values={field: ""}),
        field,
        confirm,
        check,
        change,
        action=f"/visits/{appointment_id}/cancel",
        question="Cancel the visit?",
    )
