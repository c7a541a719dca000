"""INTAKE_SMS_CONSENT=ask: a patient a feed enrolled agrees to texts by answering YES (or
SI / SÍ); what was held back while waiting and can still help goes out at once, inside
the sending window."""

import unicodedata
from datetime import datetime

from sqlmodel import Session, col, select

from service.audit.service import Source, audit
from service.conversation.consent import resume_skipped
from service.conversation.keywords import reply_word
from service.patients.models import Patient
from service.procedures.consent_request import WAITING_FOR_YES
from service.timeline.plan import TimelinePlan

CONSENT_WORDS = frozenset(("YES", "SI"))
PATIENTS_YES = Source("the patient's YES by text")


def is_consent_word(body: str) -> bool:
    """YES, SI or SÍ alone (any case, punctuation around it ignored)."""
    decomposed = unicodedata.normalize("NFKD", reply_word(body))
    return "".join(c for c in decomposed if not unicodedata.combining(c)) in CONSENT_WORDS


def waiting_patients(session: Session, phone: str) -> list[Patient]:
    return list(
        session.exec(
            select(Patient)
            .where(Patient.phone == phone, col(Patient.awaiting_yes_since).is_not(None))
            .order_by(col(Patient.id))
            .with_for_update()
        )
    )


def grant_consent(session: Session, phone: str, now: datetime, plan: TimelinePlan) -> int:
    """Every patient of `phone` waiting for YES agrees (audited); returns the number of
    held-back reminders that resume."""
    patients = waiting_patients(session, phone)
    for patient in patients:
        patient.sms_consent = True
        patient.awaiting_yes_since = None
        patient.consent_recorded_at = now
        patient.consent_source = "sms"  # the patient's own YES (the audit keeps the feed)
        session.add(patient)
        audit(
            session,
            PATIENTS_YES,
            "consent",
            "patient",
            patient.id,
            patient.id,
            at=now,
            before={"sms_consent": False},
            after={"sms_consent": True},
        )
    if not patients:
        return 0
    session.flush()
    return resume_skipped(session, phone, (WAITING_FOR_YES,), now, plan)
