"""Settings the conversation and the texts read: placeholders, on-call phone, wording."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from service.config import Settings
from service.templates.compose import TextFacts, compose
from service.timeline.active import default_plan


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_a_clinic_left_at_the_placeholders_is_warned_about_both():
    warnings = _settings().placeholder_warnings()
    assert any("CLINIC_PHONE" in w for w in warnings)
    assert any("CLINIC_NAME" in w for w in warnings)
    assert (
        _settings(
            clinic_name="Lakeside Spine", clinic_phone="(555) 201-3344"
        ).placeholder_warnings()
        == []
    )


def test_the_on_call_phone_is_read_like_any_number_and_a_bad_one_stops_start_up():
    assert _settings(on_call_phone="(212) 555-0777").on_call_phone == "+12125550777"
    assert _settings(on_call_phone="").on_call_phone is None
    with pytest.raises(ValidationError, match="ON_CALL_PHONE"):
        _settings(on_call_phone="12")


@pytest.mark.parametrize("weeks", ["2-4", "1-2"])
def test_the_normal_activity_weeks_setting_reaches_the_text(weeks):
    plan = default_plan(_settings(normal_activity_weeks=weeks))
    facts = TextFacts(
        given_name="Maria",
        family_name="Lopez",
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        zone=ZoneInfo("America/New_York"),
        procedure_starts_at=datetime(2027, 3, 16, 11, 0, tzinfo=UTC),
        plan=plan,
        visits={},
    )
    body = compose(["recovery_2_weeks"], facts, "en").body
    assert f"{weeks} weeks after MILD" in body


def test_a_malformed_normal_activity_setting_stops_start_up():
    with pytest.raises(ValidationError):
        _settings(normal_activity_weeks="soon")
