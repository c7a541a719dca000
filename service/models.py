"""Every table, imported in one place for Alembic and metadata.create_all."""

from sqlmodel import SQLModel

from service.audit.models import AuditEntry
from service.auth.models import ApiKey
from service.checkins.models import CheckInAnswer
from service.conversation.models import InboundCatchUp, InboundReceipt, OnCallPage
from service.intake.models import ExternalAppointment, IntakeMessage
from service.messaging.models import Message
from service.optouts.models import PhoneOptOut
from service.patients.models import Patient, PatientNameToken
from service.procedures.appointments import Appointment
from service.procedures.models import Procedure, Reminder
from service.templates.models import MessageTemplate
from service.timeline.models import TimelinePlanRecord
from service.users.models import ConsoleSession, LoginThrottle, User
from service.workers.heartbeat import WorkerHeartbeat

metadata = SQLModel.metadata
__all__ = [
    "ApiKey",
    "Appointment",
    "AuditEntry",
    "CheckInAnswer",
    "ConsoleSession",
    "ExternalAppointment",
    "InboundCatchUp",
    "InboundReceipt",
    "IntakeMessage",
    "LoginThrottle",
    "Message",
    "MessageTemplate",
    "OnCallPage",
    "Patient",
    "PatientNameToken",
    "PhoneOptOut",
    "Procedure",
    "Reminder",
    "TimelinePlanRecord",
    "User",
    "WorkerHeartbeat",
    "metadata",
]
