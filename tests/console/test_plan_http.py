"""The plan page over HTTP on SQLite and PostgreSQL: saved as the API saves, the dry run
changes nothing, staff and forms without the token are refused."""

import re

import pytest
from fastapi.testclient import TestClient

from service.db import session_scope
from service.users.service import create_user
from tests.conftest import book, enroll
from tests.support.apps import bound_app
from tests.support.console_server import console_sign_in, csrf_token_of

PASSWORD = "a long enough password"


@pytest.fixture
def people(settings, engine, clock):
    with session_scope(engine) as session:
        for email, role in (("ada@lakeside.test", "admin"), ("sam@lakeside.test", "staff")):
            create_user(
                session, email=email, name=email[:3], role=role, password=PASSWORD, now=clock.now
            )
    return bound_app(settings, engine, clock)


def _form_of(html: str) -> dict[str, str]:
    """The plan form's values as the page shows them (inputs with a value)."""
    values = dict(re.findall(r'name="([\w-]+)" type="(?:text|time)"\s+value="([^"]*)"', html))
    values.update(
        {
            name: "on"
            for name in re.findall(r'name="([\w-]+)" type="checkbox" value="on" checked', html)
        }
    )
    return values


def test_the_form_saves_what_the_api_reads_and_the_dry_run_changes_nothing(people, staff, admin):
    with TestClient(people) as client:
        procedure = book(client, staff, enroll(client, staff)["id"], "2027-03-16T07:00:00")
        console_sign_in(client, "ada@lakeside.test", PASSWORD)
        page = client.get("/plan").text
        values = {**_form_of(page), "fasting_hours": "6", "csrf_token": csrf_token_of(page)}
        assert values["ice-repeat"] == "7" and values["ice-enabled"] == "on"
        saved = client.post("/plan", data=values, follow_redirects=False)
        assert saved.status_code == 303, saved.text
        plan = client.get("/v1/plan", headers=admin).json()
        assert plan["version"] == 1 and plan["fasting_hours"] == 6 and plan["created_by"] == "ada"

        before = client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()
        dry = client.get("/plan/apply-to-pending")
        assert dry.status_code == 200 and "New wording" in dry.text  # fasting text rewords
        assert client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json() == before

        stale = client.post(
            "/plan/apply-to-pending",
            data={"version": "0", "csrf_token": csrf_token_of(dry.text)},
            follow_redirects=False,
        )
        assert stale.headers["location"] == "/plan/apply-to-pending"  # checked an older plan
        applied = client.post(
            "/plan/apply-to-pending",
            data={"version": "1", "csrf_token": csrf_token_of(dry.text)},
            follow_redirects=False,
        )
        assert applied.status_code == 303 and applied.headers["location"] == "/plan"


def test_staff_and_forms_without_the_token_change_no_plan(people, admin):
    with TestClient(people) as client:
        console_sign_in(client, "ada@lakeside.test", PASSWORD)
        assert client.post("/plan", data={"fasting_hours": "6"}).status_code == 403
    with TestClient(people) as client:
        console_sign_in(client, "sam@lakeside.test", PASSWORD)
        token = csrf_token_of(client.get("/").text)
        assert client.get("/plan").status_code == 403
        refused = client.post("/plan/versions/0/restore", data={"csrf_token": token})
        assert refused.status_code == 403
        assert client.get("/v1/plan", headers=admin).json()["version"] == 0
