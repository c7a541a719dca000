"""Today's "still waiting for the patient's YES": procedures in the next 7 days whose
patient a feed enrolled and who has not answered the consent text, so someone calls."""

from datetime import datetime, timedelta

from sqlalchemy import literal, select
from sqlmodel import Session, col

from service.console.today_view import LIST_LIMIT, Row, _rows
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus

WAITING_HORIZON = timedelta(days=7)


def waiting_for_yes(session: Session, now: datetime) -> list[Row]:
    query = (
        select(
            col(Procedure.scheduled_at),
            col(Procedure.id),
            literal("MILD procedure"),
            col(Patient.awaiting_yes_since),
            col(Patient.id),
            col(Patient.given_name),
            col(Patient.family_name),
            col(Patient.timezone),
        )
        .join(Patient, col(Patient.id) == col(Procedure.patient_id))
        .where(
            col(Patient.awaiting_yes_since).is_not(None),
            col(Procedure.status) == ProcedureStatus.scheduled,
            col(Procedure.scheduled_at) >= now,
            col(Procedure.scheduled_at) < now + WAITING_HORIZON,
        )
        .order_by(col(Procedure.scheduled_at))
        .limit(LIST_LIMIT)
    )
    return _rows(session, query, "MILD procedure")
