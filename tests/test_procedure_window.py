"""A procedure is booked within a year before and two years after today, in calendar years:
the window's ends are the same date a year back and two years on, whatever leap days lie
between (365-day steps refused 28 February two years on when a 29 February came first)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.errors import InvalidInput
from service.procedures.service import resolve_scheduled_at

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "local",
    [datetime(2029, 2, 28, 7, 30), datetime(2026, 3, 1, 9, 0), datetime(2029, 3, 1, 6, 59)],
)
def test_a_date_inside_the_window_is_booked(local: datetime) -> None:
    assert resolve_scheduled_at(local, NEW_YORK, NOW).tzinfo is not None


@pytest.mark.parametrize(
    "local", [datetime(2029, 3, 1, 7, 30), datetime(2026, 2, 28, 7, 30), datetime(2031, 1, 5, 8)]
)
def test_a_date_outside_it_is_refused_naming_the_field(local: datetime) -> None:
    with pytest.raises(InvalidInput) as refused:
        resolve_scheduled_at(local, NEW_YORK, NOW)
    assert refused.value.field == "scheduled_at"


def test_from_a_29_february_the_window_ends_on_the_28th() -> None:
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert resolve_scheduled_at(datetime(2030, 2, 28, 6, 0), NEW_YORK, leap)
    with pytest.raises(InvalidInput):
        resolve_scheduled_at(datetime(2030, 3, 1, 8, 0), NEW_YORK, leap)
