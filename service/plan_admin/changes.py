"""The plan's changes as use cases, one implementation for every adapter: each save,
patch or restore is written and audited together, and applying the plan to what is
already booked is checked against the version the person (or client) looked at.

Nothing here commits: the caller's unit of work does (the API's request, a console
page's form), so a refused change leaves nothing behind.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.audit.service import Actor
from service.config import Settings
from service.errors import Conflict
from service.plan_admin import apply, versions
from service.timeline.active import active_plan, latest_record
from service.timeline.models import TimelinePlanRecord


class PlanChangedSinceDryRun(Conflict):
    """The plan in force is not the one whose dry run was read: 409, look again."""


def version_in_force(session: Session) -> int:
    record = latest_record(session)
    return record.version if record else 0


def save(
    session: Session, settings: Settings, body: dict[str, Any], actor: Actor, now: datetime
) -> TimelinePlanRecord:
    """Replace the plan with `body` (what GET /v1/plan answers) as a new version."""
    before = versions.current_settings(session, settings)
    record = versions.save_plan(session, body, versions.saved_by(actor), now)
    versions.audit_saved(session, actor, "update", before, record, now)
    return record


def patch(
    session: Session, settings: Settings, changes: dict[str, Any], actor: Actor, now: datetime
) -> TimelinePlanRecord:
    """A new version changing only the fields in `changes`."""
    before = versions.current_settings(session, settings)
    record = versions.patch_plan(session, changes, settings, versions.saved_by(actor), now)
    versions.audit_saved(session, actor, "update", before, record, now)
    return record


def restore(
    session: Session, settings: Settings, version: int, actor: Actor, now: datetime
) -> TimelinePlanRecord:
    """A new version with an earlier version's settings (0 = the default plan)."""
    before = versions.current_settings(session, settings)
    record = versions.restore_plan(session, version, settings, versions.saved_by(actor), now)
    versions.audit_saved(session, actor, "restore", before, record, now)
    return record


def dry_run(session: Session, settings: Settings, now: datetime) -> tuple[int, apply.ApplyReport]:
    """What applying the plan in force would change, and that plan's version (to send
    back as `expected_version`); changes nothing."""
    version = version_in_force(session)
    return version, apply.apply_to_pending(
        session, active_plan(settings, session), settings, now, dry_run=True
    )


def apply_to_pending(
    session: Session,
    settings: Settings,
    actor: Actor,
    now: datetime,
    *,
    expected_version: int | None,
) -> apply.ApplyReport:
    """Re-plan pending reminders with the plan in force, audited. With
    `expected_version` (the version whose dry run was read), refused (409) when another
    version has been saved since: what would change must be looked at again."""
    in_force = version_in_force(session)
    if expected_version is not None and expected_version != in_force:
        raise PlanChangedSinceDryRun(
            f"the plan changed since the dry run (version {in_force} is in force, the dry "
            f"run was of version {expected_version}); run the dry run again",
            field="expected_version",
        )
    return apply.apply_and_audit(session, active_plan(settings, session), settings, actor, now)
