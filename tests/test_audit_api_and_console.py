"""A change made over the API or in the console is audited once, by the domain service
that makes it, and alike: only who acted differs (a key or a signed-in person)."""

import html
import re
from datetime import timedelta

from sqlmodel import Session, col, select

from service.procedures.appointments import Appointment
from tests.conftest import book, enroll
from tests.support.console_server import ADMIN, STAFF, console_post, sign_in_new_person


def _changes_of(client, admin, patient_id):
    """A patient's audited changes, oldest first, with who made each."""
    entries = client.get("/v1/audit", params={"patient_id": patient_id}, headers=admin).json()
    return [
        (e["actor_name"], e["entity"], e["action"], e["changes"])
        for e in reversed(entries)
        if e["action"] != "read"
    ]


def _without_procedure_id(row):
    _, entity, action, changes = row
    after = {k: v for k, v in changes.get("after", {}).items() if k != "procedure_id"}
    return entity, action, {**changes, "after": after}


def _console_post(client, path, data, page):
    response = console_post(client, path, data, page)
    assert response.status_code == 303, response.text
    return response


def _console_confirm(client, path, data, page):
    shown = console_post(client, path, data, page)
    assert shown.status_code == 200 and "confirm" in shown.text, shown.text
    _console_post(client, path, {**data, "confirm": "yes"}, page)


def test_a_procedure_and_its_visits_are_audited_alike_from_the_api_and_the_console(
    client, staff, admin, engine, clock
):
    # The same six changes, once by the front desk's API key and once by a person
    # signed in to the console: the audit holds the same rows, each naming who acted.
    by_api = enroll(client, staff)["id"]
    procedure = book(client, staff, by_api, "2027-03-16T07:00:00")["id"]
    client.patch(
        f"/v1/procedures/{procedure}", json={"scheduled_at": "2027-03-18T07:00:00"}, headers=staff
    )
    visit = client.post(
        f"/v1/procedures/{procedure}/appointments",
        json={"kind": "wound_check", "starts_at": "2027-03-26T10:00:00"},
        headers=staff,
    ).json()["id"]
    client.patch(
        f"/v1/appointments/{visit}", json={"starts_at": "2027-03-27T11:00:00"}, headers=staff
    )
    client.post(f"/v1/appointments/{visit}/cancel", headers=staff)
    client.post(f"/v1/procedures/{procedure}/cancel", headers=staff)

    sign_in_new_person(client, engine, STAFF, clock.now)
    typed = {"given_name": "Ana", "family_name": "Ruiz", "phone": "(212) 555-0143"}
    form = {"mrn": "", "timezone": "America/New_York", "language": "en", "sms_consent": "on"}
    patient_page = _console_post(client, "/patients/new", {**typed, **form}, "/patients/new")
    patient_page = patient_page.headers["location"]
    by_console = int(patient_page.rsplit("/", 1)[1])
    page = _console_post(
        client, f"{patient_page}/procedures", {"scheduled_at": "2027-03-16T07:00"}, patient_page
    ).headers["location"]
    # Each change is first shown with its consequences (tried, then rolled back,
    # audit row included), then confirmed.
    _console_confirm(client, f"{page}/reschedule", {"scheduled_at": "2027-03-18T07:00"}, page)
    _console_confirm(
        client, f"{page}/visits", {"kind": "wound_check", "starts_at": "2027-03-26T10:00"}, page
    )
    with Session(engine) as session:
        console_visit = session.exec(
            select(Appointment.id).order_by(col(Appointment.id).desc())
        ).first()
    _console_confirm(
        client, f"/visits/{console_visit}/move", {"starts_at": "2027-03-27T11:00"}, page
    )
    _console_confirm(client, f"/visits/{console_visit}/cancel", {}, page)
    _console_confirm(client, f"{page}/cancel", {}, page)

    api_enrolled, *api_rows = _changes_of(client, admin, by_api)
    console_enrolled, *console_rows = _changes_of(client, admin, by_console)
    # Enrolled alike too, but for the fields each sent (the console's form sends them all).
    assert (
        api_enrolled[3]["after"]
        == console_enrolled[3]["after"]
        == {
            "language": "en",
            "sms_consent": True,
            "timezone": "America/New_York",
        }
    )
    assert (api_enrolled[0], console_enrolled[0]) == ("test staff", "Sam Patel")
    assert {who for who, *_ in api_rows} == {"test staff"}
    assert {who for who, *_ in console_rows} == {"Sam Patel"}
    # Alike but for whose procedure a visit belongs to.
    assert [_without_procedure_id(row) for row in api_rows] == [
        _without_procedure_id(row) for row in console_rows
    ]
    at = "2027-03-{}T{}:00:00+00:00".format
    assert [(entity, action, changes) for _, entity, action, changes in api_rows] == [
        (
            "procedure",
            "create",
            {
                "fields": ["scheduled_at", "status"],
                "after": {"scheduled_at": at(16, 11), "status": "scheduled"},
            },
        ),
        (
            "procedure",
            "reschedule",
            {
                "fields": ["scheduled_at"],
                "before": {"scheduled_at": at(16, 11)},
                "after": {"scheduled_at": at(18, 11)},
            },
        ),
        (
            "appointment",
            "create",
            {
                "fields": ["kind", "procedure_id", "starts_at"],
                "after": {
                    "kind": "wound_check",
                    "procedure_id": procedure,
                    "starts_at": at(26, 14),
                },
            },
        ),
        (
            "appointment",
            "move",
            {
                "fields": ["starts_at"],
                "before": {"starts_at": at(26, 14)},
                "after": {"starts_at": at(27, 15)},
            },
        ),
        (
            "appointment",
            "cancel",
            {
                "fields": ["status"],
                "before": {"status": "booked"},
                "after": {"status": "cancelled"},
            },
        ),
        (
            "procedure",
            "cancel",
            {
                "fields": ["status"],
                "before": {"status": "scheduled"},
                "after": {"status": "cancelled"},
            },
        ),
    ]


def test_a_key_made_over_the_api_or_in_the_console_is_audited_alike(client, admin, engine, clock):
    client.post("/v1/api-keys", json={"role": "staff", "name": "desk"}, headers=admin)
    sign_in_new_person(client, engine, ADMIN, clock.now)
    made = console_post(client, "/api-keys", {"name": "EHR interface", "role": "staff"})
    assert made.status_code == 201
    entries = client.get("/v1/audit", params={"entity": "api_key"}, headers=admin).json()
    by_console, by_api = entries
    assert (by_api["actor_name"], by_console["actor_name"]) == ("test admin", "Ada Okafor")
    assert by_console["actor_user_id"] is not None and by_api["actor_key_id"] is not None
    for entry in entries:
        assert entry["action"] == "create"
        assert entry["changes"]["fields"] == ["id", "name", "prefix", "role"]
        assert entry["changes"]["after"]["role"] == "staff"


def _entries_about(engine, patient_id, times):
    """Reads of one patient's record at `times` (a repeated time is two entries at once)."""
    from service.audit.service import Source, audit
    from service.db import session_scope

    with session_scope(engine) as session:
        for at in times:
            audit(session, Source("EHR"), "read", "patient", patient_id, patient_id, at=at)


def test_an_admin_pages_through_the_audit_while_new_entries_arrive(client, admin, engine, clock):
    # Two entries share a time across the first page's end: neither repeated nor skipped.
    hours_ago = [0, 1, 1, 2, 3]
    times = [clock.now - timedelta(hours=h) for h in hours_ago]
    _entries_about(engine, 7, times)
    _entries_about(engine, 8, [clock.now])
    first = client.get("/v1/audit", params={"patient_id": 7, "limit": 2}, headers=admin)
    seen = [e["id"] for e in first.json()]
    next_url = first.links["next"]["url"]
    assert "patient_id=7" in next_url and "limit=2" in next_url
    # Someone reads the record meanwhile: a new entry on top, no shift below it.
    _entries_about(engine, 7, [clock.advance(minutes=5)])
    while next_url:
        page = client.get(next_url, headers=admin)
        assert page.status_code == 200 and len(page.json()) <= 2
        seen += [e["id"] for e in page.json()]
        next_url = page.links.get("next", {}).get("url")
    everything = client.get("/v1/audit", params={"patient_id": 7}, headers=admin).json()
    assert seen == [e["id"] for e in everything[1:]]  # all but the one written meanwhile
    assert len(seen) == len(set(seen)) == len(times)


def test_a_cursor_that_matches_no_entry_is_refused_by_name(client, admin):
    answer = client.get("/v1/audit", params={"cursor": 999_999}, headers=admin)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "cursor"


def test_the_console_audit_pages_on_to_older_entries(client, engine, clock):
    from service.console.audit_pages import PAGE_SIZE

    sign_in_new_person(client, engine, ADMIN, clock.now)
    _entries_about(engine, 9, [clock.now - timedelta(minutes=m) for m in range(PAGE_SIZE + 1)])
    newest = client.get("/audit", params={"patient_id": "9"})
    assert newest.text.count('<td data-label="When">') == PAGE_SIZE
    older = re.search(r'href="([^"]+)" rel="next">Older entries', newest.text)
    assert older, "the first page links to the older entries"
    oldest = client.get(html.unescape(older.group(1)))
    assert oldest.text.count('<td data-label="When">') == 1
    assert "Older entries" not in oldest.text and "Newest entries" in oldest.text
    # The filter is kept on the older page.
    assert "patient_id=9" in html.unescape(older.group(1))
    refused = client.get("/audit", params={"patient_id": "9", "cursor": "999999"})
    assert refused.status_code == 422 and "older entries does not exist" in refused.text
