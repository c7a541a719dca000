"""`audit(...)`: call it in the same transaction as the change it records; a look at a
patient's data goes through `service.audit.reads.record_read` (one vocabulary)."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from sqlmodel import Session

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
        "results",
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


class _Named(Protocol):
    @property
    def name(self) -> str: ...


def audit_entry_row(
    actor: Actor | _Named | None,
    action: str,
    entity: str,
    entity_id: int | str | None,
    patient_id: int | None = None,
    *,
    at: datetime,
    fields: Iterable[str] = (),
    before: Mapping[str, _Value] | None = None,
    after: Mapping[str, _Value] | None = None,
) -> dict[str, object]:
    """An entry's columns (for a many-row insert); `audit` adds one to the session."""
    names = sorted({*fields, *(before or {}), *(after or {})})
    changes: dict[str, object] = {"fields": names}
    if before:
        changes["before"] = _safe(before)
    if after:
        changes["after"] = _safe(after)
    return {
        "at": at,
        "actor_key_id": actor.id if isinstance(actor, ApiKey) else None,
        "actor_user_id": actor.id if isinstance(actor, User) else None,
        "actor_name": actor.name[:200] if actor is not None else "",
        "action": action,
        "entity": str(entity),
        "entity_id": "" if entity_id is None else str(entity_id),
        "patient_id": patient_id,
        "changes": json.dumps(changes, sort_keys=True),
    }


def audit(
    session: Session,
    actor: Actor | _Named | None,
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
    entry = AuditEntry.model_validate(
        audit_entry_row(
            actor,
            action,
            entity,
            entity_id,
            patient_id,
            at=at,
            fields=fields,
            before=before,
            after=after,
        )
    )
    session.add(entry)
    return entry


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
