"""Which timeline plan is in force: the default steps with the clinic's settings."""

from datetime import timedelta

from service.config import Settings
from service.timeline.plan import DEFAULT_PLAN, SendingWindow, TimelinePlan


def active_plan(settings: Settings) -> TimelinePlan:
    return DEFAULT_PLAN.with_settings(
        fasting_hours=settings.fasting_hours,
        procedure_duration=timedelta(minutes=settings.procedure_duration_minutes),
        sending_window=SendingWindow(settings.sending_window_start, settings.sending_window_end),
    )
