"""The check-in questions admins manage, one implementation for the API and the console:
list, add, change (wording, order, active, source) and retire. Audited.

Wording is saved as template versions through the template machinery (checked with
sample values, segment-counted) and every text is checked before anything is written,
so a refused change leaves nothing behind. A change names the `version` it was made on:
one made on an older version is refused (409), as a plan's apply is. Retiring keeps the
question and its answers; it is asked no more. Key and kind are fixed once answers exist.

Nothing here commits: the caller's unit of work does.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.service import Actor, audit
from service.checkins import question_rules as rules
from service.checkins.models import CheckInAnswer
from service.config import Settings
from service.db import end_transaction
from service.errors import Conflict, InvalidInput, NotFound
from service.procedures.models import Reminder
from service.templates import checks, editing, store
from service.templates.models import MessageTemplate
from service.timeline.active import active_plan
from service.timeline.models import CheckInQuestion
from service.timeline.plan import question_reminder_step, question_step

CHANGEABLE = ("key", "kind", "scale_min", "scale_max", "position", "active", "source")


class QuestionChanged(Conflict):
    """Someone changed the question since the version the change was made on."""


@dataclass(frozen=True)
class QuestionView:
    row: CheckInQuestion
    answers: int
    # {language: (question text, its version), ...} and the short forms likewise.
    wording: dict[str, tuple[str, int]]
    short_form: dict[str, tuple[str, int]]


def list_questions(session: Session) -> list[QuestionView]:
    """Every question, active and retired, in the order they are asked."""
    rows = session.exec(
        select(CheckInQuestion).order_by(col(CheckInQuestion.position), col(CheckInQuestion.id))
    ).all()
    counts = dict(
        session.exec(
            select(CheckInAnswer.question, func.count())
            .where(col(CheckInAnswer.value).is_not(None))
            .group_by(col(CheckInAnswer.question))
        ).all()
    )
    texts = store.DbTemplates(session)

    def worded(step: str) -> dict[str, tuple[str, int]]:
        return {
            lang: (t.body, t.version) for lang in store.LANGUAGES for t in [texts.get(step, lang)]
        }

    return [
        QuestionView(
            row,
            counts.get(row.key, 0),
            worded(question_step(row.key)),
            worded(question_reminder_step(row.key)),
        )
        for row in rows
    ]


def find(session: Session, key: str) -> CheckInQuestion:
    row = session.exec(select(CheckInQuestion).where(CheckInQuestion.key == key)).first()
    if row is None:
        raise NotFound(f"no check-in question '{key}'", field="key")
    return row


def add_question(
    session: Session, settings: Settings, data: dict[str, Any], actor: Actor, now: datetime
) -> CheckInQuestion:
    """A new question (active unless `active` is false), asked after the others unless a
    `position` is given; its wording and short form in every language."""
    key = rules.key_of(data.get("key"))
    if session.exec(select(CheckInQuestion.id).where(CheckInQuestion.key == key)).first():
        raise Conflict(f"a check-in question '{key}' already exists", field="key")
    kind, lowest, highest = rules.kind_of(data)
    position = data.get("position")
    if position is None:
        last = session.exec(select(func.max(CheckInQuestion.position))).one()
        position = (last or 0) + 1
    position = rules.position_of(position)
    active = rules.active_of(data.get("active", True))
    source = rules.source_of(data.get("source"))
    texts = rules.texts_of(data, key, every_language=True)
    _check_texts(session, settings, texts)
    row = CheckInQuestion(
        key=key,
        kind=kind.value,
        scale_min=lowest,
        scale_max=highest,
        position=position,
        is_active=active,
        source=source,
        version=1,
        created_at=now,
        updated_at=now,
    )
    try:
        # A savepoint: the same key added at the same moment is a 409, not a 500.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(f"a check-in question '{key}' already exists", field="key") from None
    _write_texts(session, texts, actor, now)
    audit(session, actor, "create", "check_in_question", key, at=now, fields=CHANGEABLE)
    return row


def change_question(
    session: Session,
    settings: Settings,
    key: str,
    data: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> CheckInQuestion:
    """Change the fields sent, made on `expected_version`; retire with `active: false`."""
    row = find(session, key)
    expected = data.get("expected_version")
    if not rules.whole(expected):  # the guard makes `expected` an int below
        raise InvalidInput(
            f"send the question's version (GET /v1/check-in-questions): {row.version}",
            field="expected_version",
        )
    _refuse_if_changed(row, expected)
    changes = _field_changes(session, row, data)
    new_key = str(changes.get("key", row.key))
    texts = rules.texts_of(data, new_key, every_language=False)
    if texts:
        # Rendering the drafts commits what was read; the version is checked again below.
        _check_texts(session, settings, texts)
        row = find(session, key)
    if not changes and not texts:
        return row
    done = session.execute(
        update(CheckInQuestion)
        .where(col(CheckInQuestion.id) == row.id, col(CheckInQuestion.version) == expected)
        .values(**changes, version=CheckInQuestion.version + 1, updated_at=now)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise QuestionChanged(
            f"check-in question '{key}' was changed by someone else since version "
            f"{expected}; read it again",
            field="expected_version",
        )
    if "key" in changes:
        _rename_steps(session, key, new_key)
    _write_texts(session, texts, actor, now)
    session.refresh(row)
    fields = [*changes, *sorted({f.split(".")[0] for _, f in texts.values()})]
    audit(session, actor, "update", "check_in_question", row.key, at=now, fields=fields)
    return row


def _field_changes(session: Session, row: CheckInQuestion, data: dict[str, Any]) -> dict[str, Any]:
    """The column values to change, each checked; key and kind only while no answers."""
    out: dict[str, Any] = {}
    if "key" in data and data["key"] != row.key:
        new_key = rules.key_of(data["key"])
        _refuse_once_answered(session, row, "key")
        if row.key in rules.DEFAULT_KEYS:
            raise InvalidInput(
                f"'{row.key}' keeps its key: its alerts, outcomes and FHIR code read it",
                field="key",
            )
        if session.exec(select(CheckInQuestion.id).where(CheckInQuestion.key == new_key)).first():
            raise Conflict(f"a check-in question '{new_key}' already exists", field="key")
        out["key"] = new_key
    if any(name in data for name in ("kind", "scale_min", "scale_max")):
        merged = {
            "kind": data.get("kind", row.kind),
            "scale_min": data.get("scale_min", row.scale_min),
            "scale_max": data.get("scale_max", row.scale_max),
        }
        if merged["kind"] == "minutes" and "kind" in data:
            merged["scale_min"] = data.get("scale_min")
            merged["scale_max"] = data.get("scale_max")
        kind, lowest, highest = rules.kind_of(merged)
        now_is = {"kind": kind.value, "scale_min": lowest, "scale_max": highest}
        for name, value in now_is.items():
            if value != getattr(row, name):
                _refuse_once_answered(session, row, name)
                out[name] = value
    if "position" in data:
        out["position"] = rules.position_of(data["position"])
    if "active" in data:
        out["is_active"] = rules.active_of(data["active"])
    if "source" in data:
        out["source"] = rules.source_of(data["source"])
    return {k: v for k, v in out.items() if getattr(row, k) != v}


def _refuse_if_changed(row: CheckInQuestion, expected: int) -> None:
    if expected != row.version:
        raise QuestionChanged(
            f"check-in question '{row.key}' was changed since version {expected} (it is at "
            f"version {row.version}); read it again",
            field="expected_version",
        )


def _refuse_once_answered(session: Session, row: CheckInQuestion, field: str) -> None:
    answers = session.exec(
        select(func.count()).select_from(CheckInAnswer).where(CheckInAnswer.question == row.key)
    ).one()
    if answers:
        raise Conflict(
            f"'{row.key}' has {answers} recorded {'answer' if answers == 1 else 'answers'}: "
            f"its {field} cannot change (add a new question instead)",
            field=field,
        )


def _check_texts(
    session: Session, settings: Settings, texts: dict[tuple[str, str], tuple[str, str]]
) -> None:
    """Every text checked as a template save checks it, before anything is written."""
    plan = active_plan(settings, session)
    source = store.ActiveTemplates.read(session)
    end_transaction(session)  # rendering needs no open transaction (see save_template)
    for (step, language), (body, field) in texts.items():
        try:
            checks.check_body(
                step, language, body, source, max_segments=settings.sms_max_segments, plan=plan
            )
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=field) from None


def _write_texts(
    session: Session,
    texts: dict[tuple[str, str], tuple[str, str]],
    actor: Actor,
    now: datetime,
) -> None:
    for (step, language), (body, _) in texts.items():
        row = store.write_version(session, step, language, body, actor, now)
        editing.audit_version(session, actor, "update", row, now)


def _rename_steps(session: Session, old: str, new: str) -> None:
    """A key changed before any answer: its texts and planned questions follow it."""
    for before, after in (
        (question_step(old), question_step(new)),
        (question_reminder_step(old), question_reminder_step(new)),
    ):
        session.execute(
            update(MessageTemplate).where(col(MessageTemplate.step) == before).values(step=after)
        )
        session.execute(update(Reminder).where(col(Reminder.step) == before).values(step=after))
