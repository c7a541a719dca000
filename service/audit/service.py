"""`audit(...)`: call it in the same transaction as the change it records;
`record_read(...)`: the same for a look at a patient's data."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.auth.models import ApiKey
from service.users.models import User


@dataclass(frozen=True)
class Source:
    """Who made a change when it is neither a key nor a person: a feed ("HL7 feed
    LAB^CLINIC"), or the patient by text ("the patient's YES")."""

    name: str
    id: None = None


# Who made a change: a machine's API key, a person signed in to the console, or a feed.
Actor = ApiKey | User | Source

# Only these fields may carry values into the audit; any other field is recorded by
# name alone. None of them can hold a message body, a phone number or a person's name.
SAFE_VALUE_FIELDS = frozenset(
    {
        "id",
        "status",
        "scheduled_at",
        "starts_at",
        "kind",
        "role",
        "prefix",
        "revoked_at",
        "step",
        "language",
        "version",
        "restored_from_version",
        "timezone",
        "sms_consent",
        "consent_source",
        "procedure_id",
        "appointment_id",
        "reminders_changed",
        "reminders_added",
        "reminders_cancelled",
        "procedures",
        "merged_into",
        "merged_from",
        # A spreadsheet import's counts (service/intake/spreadsheet): numbers only.
        "rows",
        "rows_refused",
        "patients_create",
        "patients_update",
        "patients_unchanged",
        "procedures_create",
        "procedures_move",
        "procedures_unchanged",
    }
)

_Value = int | float | bool | str | datetime | Enum | None


def audit(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | str | None,
    patient_id: int | None = None,
    *,
    at: datetime,
    fields: Iterable[str] = (),
    before: Mapping[str, _Value] | None = None,
    after: Mapping[str, _Value] | None = None,
) -> AuditEntry:
    """Record one change. `fields` names what changed; `before`/`after` keep values
    only for `SAFE_VALUE_FIELDS` (anything else is reduced to its field name)."""
    names = sorted({*fields, *(before or {}), *(after or {})})
    changes: dict[str, object] = {"fields": names}
    if before:
        changes["before"] = _safe(before)
    if after:
        changes["after"] = _safe(after)
    entry = AuditEntry(
        at=at,
        actor_key_id=actor.id if isinstance(actor, ApiKey) else None,
        actor_user_id=actor.id if isinstance(actor, User) else None,
        actor_name=actor.name if actor is not None else "",
        action=action,
        entity=entity,
        entity_id="" if entity_id is None else str(entity_id),
        patient_id=patient_id,
        changes=json.dumps(changes, sort_keys=True),
    )
    session.add(entry)
    return entry


def record_read(
    session: Session,
    actor: Actor | None,
    entity: str,
    entity_id: int | str | None,
    patient_id: int | None,
    *,
    at: datetime,
    fields: Iterable[str] = (),
) -> AuditEntry:
    """Record that `actor` looked at a patient's data (HIPAA 164.312(b)): action `read`.
    `fields` may name how it was found (e.g. `phone` for a lookup), never the value."""
    return audit(session, actor, "read", entity, entity_id, patient_id, at=at, fields=fields)


def audit_change(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    *,
    at: datetime,
    field: str,
    was: _Value,
    now_is: _Value,
) -> None:
    """Record a one-field change, if there was one: a repeated cancel is not a change."""
    if was != now_is:
        audit(
            session,
            actor,
            action,
            entity,
            entity_id,
            patient_id,
            at=at,
            before={field: was},
            after={field: now_is},
        )


def _safe(values: Mapping[str, _Value]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in values.items():
        if name not in SAFE_VALUE_FIELDS:
            continue
        if isinstance(value, datetime):
            out[name] = value.isoformat()
        elif isinstance(value, Enum):
            out[name] = str(value.value)
        else:
            out[name] = value
    return out


def find_entries(
    session: Session,
    *,
    patient_id: int | None = None,
    entity: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
    return list(session.exec(query))


def audit_patient_read(session: Session, actor: Actor, patient_id: int, *, at: datetime) -> None:
    """Record that a person opened a patient's page (who looked, at whom, when)."""
    audit(session, actor, "read", "patient", patient_id, patient_id, at=at)
