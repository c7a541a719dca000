"""What the ways in keep: every message received (the feed's log) and which external
appointment is which of our procedures or visits."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class IntakeMessage(SQLModel, table=True):
    """One message a feed sent us and what we answered. Never any PHI: ids and codes."""

    __tablename__ = "intake_message"
    __table_args__ = (
        Index("ix_intake_message_received", "received_at"),
        Index("ix_intake_message_result_received", "result", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    transport: str = Field(max_length=8)  # hl7, fhir, csv
    # The sending application and facility (HL7 MSH-3^MSH-4).
    sender: str = Field(max_length=120)
    control_id: str = Field(max_length=64)  # HL7 MSH-10
    message_type: str = Field(max_length=16)  # e.g. SIU^S12
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # AA applied (or understood and deliberately ignored), AE refused, AR not taken.
    result: str = Field(max_length=2)
    outcome: str = Field(max_length=300)
    error_location: str | None = Field(default=None, max_length=32)  # e.g. PID-13
    patient_id: int | None = Field(default=None, index=True)
    procedure_id: int | None = None
    # sender|control id of a message applied: unique, so a message re-sent (or sent on
    # two connections at once) is applied once; refusals leave it empty and may be retried.
    applied_key: str | None = Field(default=None, max_length=200, unique=True)


class ExternalAppointment(SQLModel, table=True):
    """A feed's appointment id and the procedure or visit it booked here."""

    __tablename__ = "external_appointment"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_external_appointment"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=120)
    external_id: str = Field(max_length=80)
    kind: str = Field(max_length=16)  # procedure, wound_check, two_week, three_month
    procedure_id: int = Field(
        sa_column=Column(Integer, ForeignKey("procedure.id"), nullable=False, index=True)
    )
    appointment_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("appointment.id"), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
