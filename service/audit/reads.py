"""Every look at patient data, recorded by one function with one vocabulary.

The API, the console and the feeds to come (HL7, FHIR, CSV) call `record_read` with what
was looked at (`Read`): the same look is the same entry whichever way it came in (a
procedure opened in the console or over the API is `procedure`, with the procedure's id
and its patient). Call it in the same unit of work as the read; the request commits it
before it answers (service/deps.py), so a reader was never shown data whose trace was lost.

A list or a search writes one entry for the list, with the number of results and how it
was looked up (`found_by`: `q` or `phone`, never the terms), and one entry per patient it
showed, so a patient's audit trail shows every list they appeared on.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert
from sqlmodel import Session

from service.audit.models import AuditEntry
from service.audit.service import Actor, Source, audit, audit_entry_row


class Read(StrEnum):
    """What was looked at: the `entity` of a `read` entry."""

    patient = "patient"  # one patient's record
    procedure = "procedure"  # one procedure and its timeline (or its printout)
    messages = "messages"  # a patient's texts
    check_ins = "check_ins"  # a procedure's recovery check-ins (or one answer)
    reply = "reply"  # one reply from the inbox
    preview = "preview"  # a template rendered for a real procedure
    search = "search"  # a patient search or phone look-up (a list)
    today = "today"  # the day's worklist (a list)
    procedures = "procedures"  # a list of procedures
    reminders = "reminders"  # the reminders worklist (a list)
    inbox = "inbox"  # the replies waiting for a person (a list)
    alerts = "alerts"  # urgent replies (a list)
    export = "export"  # data leaving the service (a list)


# A machine reader that is neither an API key nor a person (an HL7, FHIR or CSV feed):
# `Feed("HL7 feed LAB^CLINIC")`, the audit's `Source` for changes, named as the audit shows it.
Feed = Source

Reader = Actor


def record_read(
    session: Session,
    reader: Reader | None,
    what: Read,
    *,
    at: datetime,
    entity_id: int | str | None = None,
    patient_id: int | None = None,
    shown: Iterable[int | None] | None = None,
    found_by: str | None = None,
) -> None:
    """Record a look at patient data in the caller's transaction.

    One record: `entity_id` (what was opened) and `patient_id`. A list or search: `shown`,
    the patient of each result in order (None for a number not on file)."""
    fields = [found_by] if found_by else []
    if shown is None:
        audit(session, reader, "read", what, entity_id, patient_id, at=at, fields=fields)
        return
    results = list(shown)
    audit(
        session,
        reader,
        "read",
        what,
        entity_id,
        patient_id,
        at=at,
        fields=fields,
        after={"results": len(results)},
    )
    patients = sorted({p for p in results if p is not None})
    if patients:
        # One statement for the page's patients, not an ORM object per row.
        session.execute(
            insert(AuditEntry),
            [
                audit_entry_row(reader, "read", what, entity_id, p, at=at, fields=fields)
                for p in patients
            ],
        )
