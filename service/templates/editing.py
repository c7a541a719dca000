"""Editing a text as the API and the console both do it: save or restore a version with
its audit entry, read the history (who saved each version), compare two versions."""

import difflib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.audit.service import Actor, audit
from service.config import Settings
from service.templates import limits, store
from service.templates.constructs import TEXT_METHODS, USER_FILTERS
from service.templates.models import MessageTemplate
from service.templates.sandbox import TEMPLATE_VARIABLES
from service.templates.source import FRAME_STEP, default_template
from service.timeline.active import active_plan


@dataclass(frozen=True)
class Version:
    version: int  # 0 = the code default
    body: str
    is_active: bool
    created_at: datetime | None
    created_by_key_id: int | None
    # The person's or the key's name, from the audit entry of the save ("" if none).
    created_by: str
    restored_from_version: int | None


@dataclass(frozen=True)
class DiffPart:
    kind: Literal["same", "removed", "added"]
    text: str


def save_version(
    session: Session,
    settings: Settings,
    step: str,
    language: str,
    body: str,
    actor: Actor,
    now: datetime,
) -> MessageTemplate:
    """Validate and save `body` as the new active version (422 naming `body`, also when
    a day's merged text using it would exceed SMS_MAX_SEGMENTS); audited."""
    row = store.save_template(
        session,
        step,
        language,
        body,
        actor,
        now,
        max_segments=settings.sms_max_segments,
        plan=active_plan(settings, session),
    )
    audit_version(session, actor, "update", row, now)
    return row


def restore_version(
    session: Session,
    settings: Settings,
    step: str,
    language: str,
    version: int,
    actor: Actor,
    now: datetime,
) -> MessageTemplate:
    """A new active version copying `version` (0 = the code default); audited."""
    row = store.restore_template(
        session,
        step,
        language,
        version,
        actor,
        now,
        max_segments=settings.sms_max_segments,
        plan=active_plan(settings, session),
    )
    audit_version(session, actor, "restore", row, now)
    return row


def history(session: Session, step: str, language: str) -> list[Version]:
    """Every version, newest first, ending with the code default (version 0; a clinic's
    own question has none)."""
    rows = store.versions_of(session, step, language)
    authors = _authors(session, step, language)
    active = store.DbTemplates(session).get(step, language)
    versions = [
        Version(
            version=r.version,
            body=r.body,
            is_active=r.is_active,
            created_at=r.created_at,
            created_by_key_id=r.created_by_key_id,
            created_by=authors.get(r.version, ""),
            restored_from_version=r.restored_from_version,
        )
        for r in rows
    ]
    if step not in store.TEMPLATE_STEPS and versions:
        return versions  # a clinic's own question: no built-in wording to list or restore
    default = default_template(step, language)
    versions.append(
        Version(0, default.body, active.version == 0, None, None, "", restored_from_version=None)
    )
    return versions


def variables_of(step: str) -> dict[str, str]:
    """The variables a step's text may use, with what each holds."""
    variables = dict(TEMPLATE_VARIABLES)
    if step == FRAME_STEP:
        variables["fragments"] = "The texts of the steps due together, joined by spaces."
    return variables


def what_a_text_may_use() -> dict[str, object]:
    """Besides the variables: the filters, the text methods and the limits, for editors."""
    return {
        "text_filters": [name for name in USER_FILTERS if name not in ("d", "count")],
        "text_methods": sorted(TEXT_METHODS),
        "limits": {
            "ms": round(limits.MAX_CPU_SECONDS * 1000),
            "rounds": limits.MAX_ROUNDS,
            "characters": limits.MAX_TEXT,
        },
    }


def word_diff(old: str, new: str) -> list[DiffPart]:
    """`old` -> `new` word by word (spaces and line breaks kept), for people to read."""
    before, after = _tokens(old), _tokens(new)
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", "".join(before[a1:a2])))
            continue
        if a2 > a1:
            parts.append(DiffPart("removed", "".join(before[a1:a2])))
        if b2 > b1:
            parts.append(DiffPart("added", "".join(after[b1:b2])))
    return parts


def _tokens(text: str) -> list[str]:
    # Words and the space after them stay apart, so a changed word shows alone.
    return re.findall(r"\s+|[^\s]+", text)


def audit_version(
    session: Session, actor: Actor, action: str, row: MessageTemplate, now: datetime
) -> None:
    audit(
        session,
        actor,
        action,
        "template",
        f"{row.step}:{row.language}",
        at=now,
        fields=["body"],
        after={
            "step": row.step,
            "language": row.language,
            "version": row.version,
            # Only a restore brought a version back; an ordinary save does not say so.
            **(
                {"restored_from_version": row.restored_from_version}
                if row.restored_from_version is not None
                else {}
            ),
        },
    )


def _authors(session: Session, step: str, language: str) -> dict[int, str]:
    """version -> who saved it, read from the audit entries of the saves."""
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "template",
            AuditEntry.entity_id == f"{step}:{language}",
            col(AuditEntry.action).in_(("update", "restore")),
        )
        .order_by(col(AuditEntry.id))
    )
    authors: dict[int, str] = {}
    for entry in entries:
        version = json.loads(entry.changes).get("after", {}).get("version")
        if isinstance(version, int):
            authors[version] = entry.actor_name
    return authors
