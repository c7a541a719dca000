"""The texts pages over HTTP on SQLite and PostgreSQL: the live preview's JSON route
(session and form token, not an API key), and the history the API shares."""

import pytest
from fastapi.testclient import TestClient

from tests.support.apps import bound_app
from tests.support.console_server import ADMIN, csrf_token_of, sign_in_new_person


@pytest.fixture
def ada(settings, engine, clock):
    """A TestClient signed in as Ada, an admin."""
    with TestClient(bound_app(settings, engine, clock)) as client:
        sign_in_new_person(client, engine, ADMIN, clock.now)
        yield client


def test_live_preview_answers_json_with_the_counts(ada):
    token = csrf_token_of(ada.get("/templates/ice/en").text)
    answer = ada.post(
        "/templates/ice/en/preview",
        data={"csrf_token": token, "body": "Ice the spot for 20 minutes.", "procedure_id": ""},
    )
    assert answer.status_code == 200
    shown = answer.json()
    assert shown["text"] == (
        "Lakeside Spine: Hi Maria. Ice the spot for 20 minutes. Questions? Call (555) 201-3344."
    )
    assert (shown["encoding"], shown["segments"], shown["max_segments"]) == ("GSM-7", 1, 4)
    assert shown["counts"] == f"{shown['characters']} characters, GSM-7, 1 SMS segment (at most 4)"

    broken = ada.post(
        "/templates/ice/en/preview",
        data={"csrf_token": token, "body": "Ice {{ given_name ", "procedure_id": ""},
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "body"
    assert broken.json()["errors"][0]["message"].startswith("Line 1: syntax error")


def test_live_preview_needs_the_form_token_and_a_session(ada, settings, engine, clock):
    refused = ada.post("/templates/ice/en/preview", data={"body": "Ice it."})
    assert refused.status_code == 403
    with TestClient(bound_app(settings, engine, clock)) as stranger:
        answer = stranger.post(
            "/templates/ice/en/preview", data={"body": "Ice it."}, follow_redirects=False
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_a_version_saved_in_the_console_names_the_person_in_the_api(ada, admin):
    token = csrf_token_of(ada.get("/templates/ice/en").text)
    saved = ada.post(
        "/templates/ice/en",
        data={"csrf_token": token, "body": "Ice the spot for 20 minutes.", "action": "save"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    detail = ada.get("/v1/templates/ice/en", headers=admin).json()
    assert detail["active_version"] == 1
    assert detail["versions"][0]["created_by"] == "Ada Okafor"
    assert detail["versions"][0]["created_by_key_id"] is None


def test_an_address_naming_no_text_is_not_found(ada):
    assert ada.get("/templates/ice/fr").status_code == 404
    assert ada.get("/templates/nap/en").status_code == 404
