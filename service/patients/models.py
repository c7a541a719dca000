from datetime import datetime

from sqlalchemy import Column, Index, func
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Patient(SQLModel, table=True):
    __tablename__ = "patient"
    __table_args__ = (
        # The front desk searches by the start of a name ("lop" finds López's record
        # only if typed with the accent; see `search.py`). Lower-cased expression indexes
        # with text_pattern_ops let PostgreSQL answer `lower(name) LIKE 'lop%'` from the
        # index whatever the database's collation, so search stays an index lookup at
        # tens of thousands of patients.
        Index(
            "ix_patient_family_name_lower",
            func.lower(Column("family_name")).label("family_name_lower"),
            postgresql_ops={"family_name_lower": "text_pattern_ops"},
        ),
        Index(
            "ix_patient_given_name_lower",
            func.lower(Column("given_name")).label("given_name_lower"),
            postgresql_ops={"given_name_lower": "text_pattern_ops"},
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    # E.164; not unique, since family members may share one phone.
    phone: str = Field(max_length=16, index=True)
    # The clinic's medical record number: optional, but never shared by two patients.
    mrn: str | None = Field(default=None, max_length=40, unique=True)
    timezone: str = Field(max_length=64)
    language: str = Field(max_length=16)
    sms_consent: bool
    # Who attested the consent when no person did: the feed that enrolled the patient
    # ("hl7", "fhir", "csv"); None when staff recorded it in the console or the API.
    consent_source: str | None = Field(default=None, max_length=16)
    # INTAKE_SMS_CONSENT=ask: asked by text since then, nothing else sent until YES.
    awaiting_yes_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    consent_recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
