"""Staff's worklist: reminders that need a person, across every patient."""

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from service.auth.deps import StaffKey
from service.deps import SessionDep
from service.procedures.models import Reminder, ReminderStatus
from service.validation import ClinicalInstant

router = APIRouter(tags=["procedures"])


class ReminderListed(BaseModel):
    id: int
    procedure_id: int
    patient_id: int
    step: str
    occurrence: int
    due_at: datetime
    status: str
    status_reason: str | None
    attempts: int
    message_id: int | None
    updated_at: datetime


@router.get("/v1/reminders", response_model=list[ReminderListed])
def list_reminders(
    session: SessionDep,
    _: StaffKey,
    status: ReminderStatus = Query(
        default=ReminderStatus.failed,
        description="e.g. `failed`: texts that could not be sent, with the provider's reason",
    ),
    since: ClinicalInstant | None = Query(default=None, description="Changed at or after"),
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[ReminderListed]:
    """Reminders in one status, most recently changed first."""
    query = select(Reminder).where(Reminder.status == status)
    if since is not None:
        query = query.where(col(Reminder.updated_at) >= since)
    rows = session.exec(query.order_by(col(Reminder.updated_at).desc()).limit(limit))
    return [ReminderListed.model_validate(r, from_attributes=True) for r in rows]
