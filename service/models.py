"""Every table, imported in one place for Alembic and metadata.create_all."""

from sqlmodel import SQLModel

from service.auth.models import ApiKey
from service.messaging.models import Message
from service.patients.models import Patient
from service.procedures.models import Procedure, Reminder

metadata = SQLModel.metadata

__all__ = ["ApiKey", "Message", "Patient", "Procedure", "Reminder", "metadata"]
