"""What a chunk's texts need (patients, opt-outs, visits), read in a few queries, and the
sending-window check."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, null, union_all
from sqlalchemy import select as select_rows
from sqlmodel import Session, col

from service.config import Settings
from service.optouts.models import PhoneOptOut
from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Reminder, ReminderStatus
from service.templates.compose import TextFacts
from service.timeline.plan import CORRECTION_STEP, TimelinePlan, visit_step_name

from .claim import among, core

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
        # Patients with their opt-out state in one statement, read after the chunk's locks:
        # a STOP committed before this point is seen here.
        patients: dict[int, Row[Any]] = {}
        opt_outs: dict[str, PhoneOptOut] = {}
        for row in core(
            session,
            select_rows(
                col(Patient.id),
                col(Patient.given_name),
                col(Patient.family_name),
                col(Patient.phone),
                col(Patient.timezone),
                col(Patient.language),
                col(Patient.awaiting_yes_since),
                col(PhoneOptOut.changed_at).label("opted_out_at"),
                col(PhoneOptOut.keyword).label("opt_out_keyword"),
            )
            .outerjoin(
                PhoneOptOut,
                and_(col(PhoneOptOut.phone) == col(Patient.phone), col(PhoneOptOut.opted_out)),
            )
            .where(among(session, col(Patient.id), [p.patient_id for p in procedures.values()])),
        ).all():
            patients[row.id] = row
            if row.opt_out_keyword is not None:
                opt_outs[row.phone] = PhoneOptOut(
                    phone=row.phone,
                    opted_out=True,
                    changed_at=row.opted_out_at,
                    keyword=row.opt_out_keyword,
                )
        # Booked visits and, in the same statement (kind NULL), whether the patient was
        # told a fasting time: a correction repeats it only then.
        told_fasting: set[int] = set()
        visits: dict[int, dict[str, datetime]] = {}
        for row in core(
            session,
            union_all(
                select_rows(
                    col(Appointment.procedure_id), col(Appointment.kind), col(Appointment.starts_at)
                ).where(
                    among(session, col(Appointment.procedure_id), procedure_ids),
                    col(Appointment.status) == AppointmentStatus.booked,
                ),
                select_rows(col(Reminder.procedure_id), null(), null()).where(
                    among(session, col(Reminder.procedure_id), procedure_ids),
                    col(Reminder.status) == ReminderStatus.sent,
                    col(Reminder.step).in_(("fasting", CORRECTION_STEP)),
                ),
            ),
        ).all():
            if row.kind is None:
                told_fasting.add(row.procedure_id)
            else:
                visits.setdefault(row.procedure_id, {})[visit_step_name(row.kind)] = row.starts_at
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
            clinic_after_hours_phone=settings.clinic_after_hours_phone,
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
