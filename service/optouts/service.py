"""Reading and recording a number's opt-out (STOP, START, the carrier's 21610)."""

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from service.optouts.models import PhoneOptOut


def opt_out_state(session: Session, phone: str) -> PhoneOptOut | None:
    return session.get(PhoneOptOut, phone)


def is_opted_out(session: Session, phone: str) -> bool:
    state = opt_out_state(session, phone)
    return state is not None and state.opted_out


REPLIED_STOP = "patient replied STOP"
CARRIER_REPORTS_STOP = "the carrier reports the patient replied STOP"
# Only reminders skipped for one of these reasons come back on START.
STOP_REASONS = (REPLIED_STOP, CARRIER_REPORTS_STOP)
CARRIER_OPT_OUT_KEYWORD = "21610"  # Twilio: the recipient has unsubscribed


def set_opt_out(
    session: Session,
    phone: str,
    opted_out: bool,
    keyword: str,
    now: datetime,
    loaded: PhoneOptOut | None,
) -> None:
    """Insert or update the number's row in one statement (safe against a racing twin)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {"phone": phone, "opted_out": opted_out, "changed_at": now, "keyword": keyword}
    statement = insert(PhoneOptOut).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["phone"],
        set_={"opted_out": opted_out, "changed_at": now, "keyword": keyword},
    )
    session.execute(statement)
    if loaded is not None:
        session.expire(loaded)  # the ORM's copy of the row is now stale


def record_opt_out(session: Session, phone: str, keyword: str, now: datetime) -> None:
    """Mark the number opted out; a repeated STOP keeps the date of the first one."""
    current = session.get(PhoneOptOut, phone)
    if current is None or not current.opted_out:
        set_opt_out(session, phone, True, keyword.upper()[:32], now, current)


def skip_reason(state: PhoneOptOut) -> str:
    """Why a reminder to an opted-out number is skipped."""
    return CARRIER_REPORTS_STOP if state.keyword == CARRIER_OPT_OUT_KEYWORD else REPLIED_STOP
