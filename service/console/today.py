"""`/`: the clinic's day at a glance."""

from fastapi import Request
from fastapi.responses import Response

from service.audit.reads import Read, record_read
from service.console.awaiting_yes_view import waiting_for_yes
from service.console.deps import ConsoleUser
from service.console.rendering import render
from service.console.routing import console_router
from service.console.today_view import LIST_LIMIT, read_today
from service.conversation.inbox import unhandled_summary
from service.deps import NowDep, SessionDep, SettingsDep
from service.procedures.calls import procedures_to_call
from service.workers.heartbeat import alive_workers, freshness_limit

router = console_router()


@router.get("/")
def today_page(
    request: Request, user: ConsoleUser, db: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    # Before the page's own reads: heartbeats use their own connection (SQLite: one writer).
    workers = alive_workers(request.app.state.engine, now, freshness_limit(settings))
    today = read_today(db, now, settings.clinic_zone)
    record_read(db, user.subject, Read.today, at=now, shown=today.patients_shown())
    # Every reply needs a person: the count and the oldest's wait, as /metrics pages on.
    waiting, oldest = unhandled_summary(db)
    to_call = procedures_to_call(db, now, limit=LIST_LIMIT)
    return render(
        request,
        "today.html",
        {
            "title": "Today",
            "today": today,
            "workers": workers,
            "now": now,
            "limit": LIST_LIMIT,
            "waiting_replies": waiting,
            "oldest_waiting": oldest,
            "to_call": to_call,
            "waiting_for_yes": waiting_for_yes(db, now),
        },
    )
