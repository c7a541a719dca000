"""Reading the feeds' message log: counts per type and result, the latest messages with
errors first. Ids, codes and our own words only: the log never holds PHI."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.intake.models import IntakeMessage

REFUSED = ("AE", "AR")


@dataclass(frozen=True)
class TypeCount:
    message_type: str
    applied: int
    ignored: int
    refused: int


def counts_by_type(session: Session, transport: str = "hl7") -> list[TypeCount]:
    """Messages received per type: applied, acknowledged and ignored (not ours), refused."""
    ignored = col(IntakeMessage.outcome).startswith("ignored")
    rows = session.exec(
        select(
            IntakeMessage.message_type,
            IntakeMessage.result,
            ignored.label("ignored"),
            func.count(),
        )
        .where(IntakeMessage.transport == transport)
        .group_by(col(IntakeMessage.message_type), col(IntakeMessage.result), ignored)
    ).all()
    table: dict[str, list[int]] = {}
    for message_type, result, was_ignored, count in rows:
        slot = 2 if result in REFUSED else (1 if was_ignored else 0)
        table.setdefault(message_type, [0, 0, 0])[slot] += int(count)
    return [TypeCount(kind, *counts) for kind, counts in sorted(table.items())]


def latest(session: Session, limit: int = 50, transport: str = "hl7") -> list[IntakeMessage]:
    """The last `limit` messages, refusals first, each group newest first."""
    rows = list(
        session.exec(
            select(IntakeMessage)
            .where(IntakeMessage.transport == transport)
            .order_by(col(IntakeMessage.received_at).desc(), col(IntakeMessage.id).desc())
            .limit(limit)
        )
    )
    return sorted(rows, key=lambda m: m.result not in REFUSED)  # stable: keeps newest first
