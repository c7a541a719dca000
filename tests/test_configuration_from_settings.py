"""Configuration comes only from Settings: no module default stands in for a setting."""

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.app import create_app
from service.config import Settings
from service.logging import configure_logging
from service.templates import store


def test_the_log_level_is_a_setting_like_any_other(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "warning")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.log_level == "WARNING"
    configure_logging(settings.log_level)
    try:
        assert logging.getLogger().level == logging.WARNING
    finally:
        configure_logging("INFO")
    with pytest.raises(ValidationError, match="log_level"):
        Settings(_env_file=None, log_level="LOUD")  # type: ignore[call-arg]


def test_the_preview_reports_the_clinics_segment_ceiling(settings, engine, clock, staff):
    roomy = settings.model_copy(update={"sms_max_segments": 8})
    with TestClient(create_app(roomy, engine=engine, clock=clock)) as client:
        shown = client.post(
            "/v1/templates/preview", json={"step": "prep_week", "language": "es"}, headers=staff
        )
    assert shown.status_code == 200, shown.text
    assert shown.json()["max_segments"] == 8


def test_no_template_default_stands_in_for_the_settings():
    assert not hasattr(store, "MAX_SEGMENTS")
    assert not hasattr(store, "DEFAULT_PLAN")
