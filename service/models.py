"""Every table, imported in one place for Alembic and metadata.create_all."""

from sqlmodel import SQLModel

from scheduler.heartbeat import WorkerHeartbeat
from service.auth.models import ApiKey
from service.messaging.models import Message
from service.messaging.optouts import PhoneOptOut
from service.patients.models import Patient
from service.procedures.appointments import Appointment
from service.procedures.models import Procedure, Reminder

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "Appointment",
    "Message",
    "Patient",
    "PhoneOptOut",
    "Procedure",
    "Reminder",
    "WorkerHeartbeat",
    "metadata",
]
