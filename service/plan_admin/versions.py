"""Saving the plan: whole (PUT), in part (PATCH), or an earlier version restored.

Every save adds a version and nothing is overwritten, like the templates: restoring
version N adds a new version with N's settings (0 = the code default with the clinic's
settings), so the history reads in order and names who did what.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.service import Actor, audit
from service.auth.models import ApiKey
from service.config import Settings
from service.errors import Conflict, InvalidInput, NotFound
from service.plan_admin.service import (
    changed_steps,
    default_settings,
    step_name,
    validate_plan,
)
from service.timeline.active import latest_record
from service.timeline.models import TimelinePlanRecord


@dataclass(frozen=True)
class SavedBy:
    """Who saves: an API key (its id and name) or a person signed in to the console."""

    name: str
    key_id: int | None = None


def saved_by(actor: Actor) -> SavedBy:
    """A key saves by its id and name; a person by name (the audit has their account)."""
    return SavedBy(name=actor.name, key_id=actor.id if isinstance(actor, ApiKey) else None)


def audit_saved(
    session: Session,
    actor: Actor,
    action: str,
    before: dict[str, Any],
    record: TimelinePlanRecord,
    now: datetime,
) -> None:
    """The audit entry of a save or restore, naming the fields that changed."""
    audit(
        session,
        actor,
        action,
        "plan",
        record.version,
        at=now,
        fields=changed_steps(before, json.loads(record.body)),
        # An ordinary save restored nothing: only a restore names the version it brought back.
        after={"version": record.version}
        if record.restored_from_version is None
        else {"version": record.version, "restored_from_version": record.restored_from_version},
    )


def current_settings(session: Session, settings: Settings) -> dict[str, Any]:
    """The plan in force as stored JSON (steps keyed by name)."""
    record = latest_record(session)
    if record is None:
        return default_settings(settings)
    data: dict[str, Any] = json.loads(record.body)
    return data


def as_request(data: dict[str, Any]) -> dict[str, Any]:
    """Stored JSON in the shape `validate_plan` reads (steps as a list)."""
    return {**data, "steps": [{"name": name, **step} for name, step in data["steps"].items()]}


def save_plan(
    session: Session,
    data: dict[str, Any],
    by: SavedBy,
    now: datetime,
    *,
    restored_from: int | None = None,
) -> TimelinePlanRecord:
    """Validate (422 naming the field), then store as the new active version."""
    normalised = validate_plan(data)
    latest = session.exec(
        select(TimelinePlanRecord).order_by(col(TimelinePlanRecord.version).desc()).limit(1)
    ).first()
    for row in session.exec(select(TimelinePlanRecord).where(col(TimelinePlanRecord.is_active))):
        row.is_active = False
        session.add(row)
    record = TimelinePlanRecord(
        version=(latest.version if latest else 0) + 1,
        body=json.dumps(normalised, sort_keys=True),
        created_by_key_id=by.key_id,
        created_by_name=by.name[:200],
        restored_from_version=restored_from,
        created_at=now,
        is_active=True,
    )
    try:
        # A savepoint: a conflict undoes this insert only, never the caller's transaction
        # (which the caller commits or rolls back).
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise Conflict("the plan was saved by someone else at the same moment; retry") from None
    return record


def patch_plan(
    session: Session, changes: dict[str, Any], settings: Settings, by: SavedBy, now: datetime
) -> TimelinePlanRecord:
    """Change only the fields given; everything else keeps its saved value.

    `changes` may hold `fasting_hours`, `sending_window` with `opens` and/or `closes`, and
    `steps`: a list of `{name, ...}` with only the fields to change.
    """
    merged = current_settings(session, settings)
    for name in ("fasting_hours", "sending_window", "steps"):
        if name in changes and changes[name] is None:
            # Sent as null: refused rather than read as "reset", which would lose edits.
            raise InvalidInput("may be left out, but not null", field=name)
    if "fasting_hours" in changes:
        merged["fasting_hours"] = changes["fasting_hours"]
    if "sending_window" in changes:
        window = changes["sending_window"]
        if not isinstance(window, dict):
            raise InvalidInput(
                'send the times to change, e.g. {"closes": "20:00"}', field="sending_window"
            )
        merged["sending_window"] = {**merged["sending_window"], **window}
    steps = {name: dict(step) for name, step in merged["steps"].items()}
    seen: list[str] = []
    for index, item in enumerate(changes.get("steps") or []):
        name = step_name(item, index, known=steps, seen=seen)
        seen.append(name)
        steps[name].update({k: v for k, v in item.items() if k != "name"})
    # The steps sent come first, so a refusal's `steps[i]` is the i-th step of the patch.
    order = [*seen, *(name for name in steps if name not in seen)]
    request = {**merged, "steps": [{"name": name, **steps[name]} for name in order]}
    try:
        return save_plan(session, request, by, now)
    except InvalidInput as exc:
        at_fault = _step_index(exc.field)
        if at_fault is None or at_fault < len(seen):
            raise
        # A step the patch left alone can only fail against a changed window.
        raise InvalidInput(
            f"step '{order[at_fault]}': {exc.message}", field="sending_window"
        ) from None


def _step_index(field: str | None) -> int | None:
    match = re.match(r"steps\[(\d+)\]", field or "")
    return int(match.group(1)) if match else None


def restore_plan(
    session: Session, version: int, settings: Settings, by: SavedBy, now: datetime
) -> TimelinePlanRecord:
    """A new version with `version`'s settings (0 = the default plan)."""
    if version == 0:
        data = default_settings(settings)
    else:
        old = session.exec(
            select(TimelinePlanRecord).where(TimelinePlanRecord.version == version)
        ).first()
        if old is None:
            raise NotFound(f"the plan has no version {version}", field="version")
        data = json.loads(old.body)
    return save_plan(session, as_request(data), by, now, restored_from=version)


def plan_versions(session: Session) -> list[TimelinePlanRecord]:
    """Every saved version, newest first (version 0, the default, is not stored)."""
    query = select(TimelinePlanRecord).order_by(col(TimelinePlanRecord.version).desc())
    return list(session.exec(query))
