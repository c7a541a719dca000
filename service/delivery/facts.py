"""What a chunk's texts need (patients, opt-outs, visits), read in a few queries, and the
sending-window check."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from service.config import Settings
from service.conversation.optouts import PhoneOptOut
from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Reminder, ReminderStatus
from service.templates.compose import TextFacts
from service.timeline.plan import CORRECTION_STEP, TimelinePlan, visit_step_name

from .claim import among

# A text found due just after the window closed (a poll or a retry a few minutes late)
# still goes out; past this grace it waits for the next window instead of reaching
# someone at night.
WINDOW_GRACE = timedelta(minutes=15)


@dataclass
class ChunkFacts:
    """What a chunk's texts need, read in a handful of queries instead of per text."""

    procedures: dict[int, Row[Any]]
    patients: dict[int, Row[Any]]
    opt_outs: dict[str, PhoneOptOut]
    told_fasting: set[int]
    visits: dict[int, dict[str, datetime]]

    @classmethod
    def load(
        cls, session: Session, procedures: dict[int, Row[Any]], procedure_ids: list[int]
    ) -> "ChunkFacts":
        patients = {
            row.id: row
            for row in session.execute(
                select_rows(
                    col(Patient.id),
                    col(Patient.given_name),
                    col(Patient.family_name),
                    col(Patient.phone),
                    col(Patient.timezone),
                    col(Patient.language),
                ).where(
                    among(session, col(Patient.id), [p.patient_id for p in procedures.values()])
                )
            )
        }
        opt_outs = {
            o.phone: o
            for o in session.exec(
                select(PhoneOptOut).where(
                    among(session, col(PhoneOptOut.phone), [p.phone for p in patients.values()]),
                    col(PhoneOptOut.opted_out).is_(True),
                )
            )
        }
        # A correction repeats the fasting time only if the patient was told one.
        told_fasting = set(
            session.execute(
                select(Reminder.procedure_id).where(
                    among(session, col(Reminder.procedure_id), procedure_ids),
                    Reminder.status == ReminderStatus.sent,
                    col(Reminder.step).in_(("fasting", CORRECTION_STEP)),
                )
            ).scalars()
        )
        visits: dict[int, dict[str, datetime]] = {}
        for appointment in session.execute(
            select(Appointment.procedure_id, Appointment.kind, Appointment.starts_at).where(
                among(session, col(Appointment.procedure_id), procedure_ids),
                Appointment.status == AppointmentStatus.booked,
            )
        ):
            visits.setdefault(appointment.procedure_id, {})[visit_step_name(appointment.kind)] = (
                appointment.starts_at
            )
        return cls(procedures, patients, opt_outs, told_fasting, visits)

    def text_facts(
        self,
        patient: Row[Any],
        procedure: Row[Any],
        plan: TimelinePlan,
        settings: Settings,
        now: datetime,
    ) -> TextFacts:
        zone = ZoneInfo(patient.timezone)
        return TextFacts(
            given_name=patient.given_name,
            family_name=patient.family_name,
            clinic_name=settings.clinic_name,
            clinic_phone=settings.clinic_phone,
            zone=zone,
            procedure_starts_at=procedure.scheduled_at,
            plan=plan,
            visits=self.visits.get(procedure.id, {}),
            include_fasting=procedure.id in self.told_fasting,
            # The text is written for the day it goes out (e.g. which day of ice it is).
            sending_on=now.astimezone(zone).date(),
        )


def inside_window(plan: TimelinePlan, now: datetime, zone: ZoneInfo) -> bool:
    local = now.astimezone(zone)
    opens = local.replace(
        hour=plan.sending_window.opens.hour,
        minute=plan.sending_window.opens.minute,
        second=0,
        microsecond=0,
    )
    closes = local.replace(
        hour=plan.sending_window.closes.hour,
        minute=plan.sending_window.closes.minute,
        second=0,
        microsecond=0,
    )
    return opens <= local <= closes + WINDOW_GRACE
