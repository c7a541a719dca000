"""Follow-up visits from the procedure page: book, move, cancel, each confirmed after
its consequences are shown."""

from typing import Annotated

from fastapi import Form
from fastapi.responses import Response

from service.console.forms import FormState
from service.console.patients_pages import parse_local
from service.console.procedure_flow import Desk
from service.console.procedure_view import VISIT_KINDS
from service.console.routing import console_router
from service.deps import ResourceId
from service.procedures import visits
from service.procedures.booking_check import DateCheck, check_visit_booking
from service.procedures.service import load_procedure
from service.timeline.plan import FollowUpKind

router = console_router()


@router.post("/procedures/{procedure_id}/visits")
def book_visit(
    procedure_id: ResourceId,
    desk: Desk,
    kind: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
) -> Response:
    procedure, patient = load_procedure(desk.db, procedure_id)
    form = FormState(values={"kind": kind, "starts_at": starts_at})
    if kind not in {k for k, _ in VISIT_KINDS}:
        form.error("kind", "Choose which visit was booked")
    wall = parse_local(form, "starts_at", "Enter the date and time of the visit")

    def change() -> str:
        assert wall is not None
        visits.book_visit(
            desk.db,
            procedure,
            patient,
            FollowUpKind(kind),
            wall,
            desk.plan,
            desk.user.subject,
            desk.now,
        )
        return "Visit booked"

    def date_check() -> DateCheck | None:
        assert wall is not None
        return check_visit_booking(
            desk.db, procedure, patient, FollowUpKind(kind), wall, desk.plan, desk.now
        )

    return desk.check_or_change(
        procedure,
        patient,
        "starts_at",
        change,
        question="Book the visit?",
        form=form,
        date_check=date_check,
    )


@router.post("/visits/{appointment_id}/move")
def move_visit(
    appointment_id: ResourceId, desk: Desk, starts_at: Annotated[str, Form()] = ""
) -> Response:
    appointment, procedure, patient = visits.load_visit(desk.db, appointment_id)
    field = f"move_{appointment_id}"
    form = FormState(values={field: starts_at})
    wall = parse_local(form, field, "Enter the new date and time of the visit")

    def change() -> str:
        assert wall is not None
        visits.move_visit(
            desk.db, appointment, procedure, patient, wall, desk.plan, desk.user.subject, desk.now
        )
        return "Visit moved"

    def date_check() -> DateCheck | None:
        assert wall is not None
        kind = FollowUpKind(appointment.kind)
        return check_visit_booking(desk.db, procedure, patient, kind, wall, desk.plan, desk.now)

    return desk.check_or_change(
        procedure,
        patient,
        field,
        change,
        question="Move the visit?",
        form=form,
        hidden={"starts_at": starts_at},
        date_check=date_check,
    )


@router.post("/visits/{appointment_id}/cancel")
def cancel_visit(appointment_id: ResourceId, desk: Desk) -> Response:
    appointment, procedure, patient = visits.load_visit(desk.db, appointment_id)

    def change() -> str:
        visits.cancel_visit(
            desk.db, appointment, procedure, patient, desk.plan, desk.user.subject, desk.now
        )
        return "Visit cancelled"

    return desk.check_or_change(
        procedure, patient, f"cancel_{appointment_id}", change, question="Cancel the visit?"
    )
