from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Patient(SQLModel, table=True):
    __tablename__ = "patient"
    __table_args__ = (
        # Search by the end of a phone number ("0142"): the digits stored back to front
        # make it a prefix, which text_pattern_ops lets PostgreSQL read from the index
        # whatever the database's collation (see `search.py`).
        Index(
            "ix_patient_phone_reversed",
            "phone_reversed",
            postgresql_ops={"phone_reversed": "text_pattern_ops"},
        ),
        # Duplicate check: the same folded family name and date of birth.
        Index("ix_patient_family_folded_birth", "family_name_folded", "birth_date"),
        # Search results in the order staff scan them: a broad search ("gar") reads the
        # first page in this order instead of sorting every match.
        Index("ix_patient_name_order", "family_name_folded", "given_name_folded", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    # E.164; not unique, since family members may share one phone.
    phone: str = Field(max_length=16, index=True)
    # The clinic's medical record number: optional, but never shared by two patients.
    mrn: str | None = Field(default=None, max_length=40, unique=True)
    # Optional, so records enrolled before it was asked stay valid.
    birth_date: date | None = Field(default=None, sa_column=Column(Date(), index=True))
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
    # Bumped by every change: a save made on an older version is refused, so two people
    # editing one record never silently overwrite each other (see `edits.py`).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Folded copies (`folding.py`) kept with every change, for search and duplicates.
    given_name_folded: str = Field(
        default="", max_length=100, sa_column_kwargs={"server_default": ""}
    )
    family_name_folded: str = Field(
        default="", max_length=100, sa_column_kwargs={"server_default": ""}
    )
    phone_reversed: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    # A duplicate merged into another record stays as a tombstone pointing there, so
    # old links and API clients still resolve.
    merged_into_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("patient.id"), nullable=True)
    )
    merged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class PatientNameToken(SQLModel, table=True):
    """Every folded word a search may start of a patient's names (`folding.name_tokens`):
    "nun" finds Núñez as the second word of a family name, with a prefix lookup in
    this index instead of a scan of every name (pg_trgm is not on every server)."""

    __tablename__ = "patient_name_token"
    __table_args__ = (
        Index(
            "ix_patient_name_token_token",
            "token",
            "patient_id",
            postgresql_ops={"token": "text_pattern_ops"},
            # The names ride along in the index: a search is answered from it alone.
            postgresql_include=["family_name_folded", "given_name_folded"],
        ),
    )

    patient_id: int = Field(
        sa_column=Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True)
    )
    token: str = Field(primary_key=True, max_length=100)
    # The patient's folded names, the order results are shown in: a search sorts its
    # matches here and reads only the first page's patients (not every match's row).
    family_name_folded: str = Field(default="", max_length=100)
    given_name_folded: str = Field(default="", max_length=100)
