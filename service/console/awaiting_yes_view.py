"""Today's "still waiting for the patient's YES": procedures in the next 7 days whose
patient a feed enrolled and who has not answered the consent text, so someone calls."""

from datetime import datetime, timedelta

from sqlmodel import Session

from service.console.today_view import LIST_LIMIT, Row, _ref
from service.procedures.lists import waiting_for_yes as waiting

WAITING_HORIZON = timedelta(days=7)


def waiting_for_yes(session: Session, now: datetime) -> list[Row]:
    return [
        Row(p.scheduled_at, _ref(p), p.id, "MILD procedure")
        for p in waiting(session, now, now + WAITING_HORIZON, limit=LIST_LIMIT)
    ]
