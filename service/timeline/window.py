"""The sending window in the patient's zone: is an instant inside it, and the nearest
instants inside it (pure; shared by the planner and the check-in question times)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.timeline.local_time import local_date, local_instant, local_wall_time


def in_window(instant: datetime, opens: time, closes: time, zone: ZoneInfo) -> bool:
    wall = local_wall_time(instant, zone)
    return opens <= wall <= closes


def first_window_instant_at_or_after(
    instant: datetime, opens: time, closes: time, zone: ZoneInfo
) -> datetime:
    if in_window(instant, opens, closes, zone):
        return instant
    day = local_date(instant, zone)
    if local_wall_time(instant, zone) > closes:
        day += timedelta(days=1)
    return local_instant(day, opens, zone)


def last_window_instant_at_or_before(
    instant: datetime, opens: time, closes: time, zone: ZoneInfo
) -> datetime:
    if in_window(instant, opens, closes, zone):
        return instant
    day: date = local_date(instant, zone)
    if local_wall_time(instant, zone) < opens:
        day -= timedelta(days=1)
    closing = local_instant(day, closes, zone)
    # A gap at closing time could push the instant past it; stay inside the window.
    while not in_window(closing, opens, closes, zone):
        closing -= timedelta(minutes=1)
    return closing
