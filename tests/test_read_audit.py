"""Every look at patient data leaves the same trace whichever way it came in: the API,
the console, or a feed. Lists and searches record how many they showed (never the terms)
and which patients; the audit can be read by person."""

import json
import sqlite3
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.audit.reads import Feed, Read, record_read
from service.db import session_scope
from service.users.service import create_user
from tests.conftest import book, enroll
from tests.support.apps import bound_app
from tests.support.console_server import console_sign_in

PASSWORD = "a long enough password"


def _reads(engine, since) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.action == "read", col(AuditEntry.at) >= since)
                .order_by(col(AuditEntry.id))
            )
        )


def _summary(entries: list[AuditEntry], entity: str) -> list[tuple[int, list[str]]]:
    """The list entries of `entity`: (results, fields) each."""
    out = []
    for e in entries:
        if e.entity == entity and e.patient_id is None:
            changes = json.loads(e.changes)
            out.append((changes["after"]["results"], changes["fields"]))
    return out


def test_every_list_and_search_over_the_api_is_audited_with_its_count(client, staff, engine, clock):
    maria = enroll(client, staff)
    ana = enroll(client, staff, given_name="Ana", family_name="Ruiz", phone="(212) 555-0143")
    procedure = book(client, staff, maria["id"], "2027-03-16T07:00:00")
    clock.advance(minutes=1)
    since = clock.now
    assert len(client.get("/v1/patients", params={"q": "lopez"}, headers=staff).json()) == 1
    assert client.get("/v1/procedures", headers=staff).json()
    assert client.get(f"/v1/patients/{ana['id']}/procedures", headers=staff).json() == []
    assert client.get("/v1/reminders", params={"status": "pending"}, headers=staff).json()
    preview = client.post(
        "/v1/templates/preview",
        json={"step": "prep_week", "language": "en", "procedure_id": procedure["id"]},
        headers=staff,
    )
    assert preview.status_code == 200 and "Maria" in preview.json()["text"]
    sample = client.post(
        "/v1/templates/preview", json={"step": "prep_week", "language": "en"}, headers=staff
    )
    assert sample.status_code == 200  # the sample patient: nobody's data, no entry

    entries = _reads(engine, since)
    assert _summary(entries, "search") == [(1, ["q", "results"])]  # the count, not "lopez"
    assert _summary(entries, "procedures") == [(1, ["results"]), (0, ["results"])]
    reminders = _summary(entries, "reminders")
    assert reminders and reminders[0][0] > 0
    per_patient = {(e.entity, e.patient_id) for e in entries if e.patient_id is not None}
    assert per_patient == {
        ("search", maria["id"]),
        ("procedures", maria["id"]),
        ("reminders", maria["id"]),
        ("preview", maria["id"]),
    }
    [shown] = [e for e in entries if e.entity == "preview"]
    assert shown.entity_id == str(procedure["id"]) and shown.actor_name == "test staff"
    assert "lopez" not in " ".join(e.changes for e in entries).lower()


def test_a_feed_reads_through_the_same_function(engine, clock):
    with session_scope(engine) as session:
        record_read(session, Feed("hl7:lab"), Read.export, at=clock.now, shown=[None])
    [entry] = _reads(engine, clock.now)
    assert (entry.actor_name, entry.actor_key_id, entry.actor_user_id) == ("hl7:lab", None, None)
    assert json.loads(entry.changes)["after"] == {"results": 1}


def test_the_console_audits_what_the_api_audits_and_the_audit_filters_by_person(
    settings, engine, clock, staff, admin
):
    with session_scope(engine) as session:
        sam = create_user(
            session,
            email="sam@lakeside.test",
            name="Sam Patel",
            role="admin",
            password=PASSWORD,
            now=clock.now,
        )
    app = bound_app(settings, engine, clock)
    with TestClient(app) as client:
        maria = enroll(client, staff)
        procedure = book(client, staff, maria["id"], "2027-03-02T07:00:00")
        console_sign_in(client, "sam@lakeside.test", PASSWORD)
        clock.advance(minutes=1)
        since = clock.now
        assert client.get("/patients", params={"q": "Lopez"}).status_code == 200
        assert client.get("/").status_code == 200  # Today: tomorrow's procedure
        assert client.get("/procedures").status_code == 200
        assert client.get(f"/procedures/{procedure['id']}").status_code == 200
        assert client.get(f"/v1/procedures/{procedure['id']}", headers=staff).status_code == 200
        entries = _reads(engine, since)
        assert _summary(entries, "search") == [(1, ["q", "results"])]
        assert _summary(entries, "today")[0][0] >= 1
        assert ("today", maria["id"]) in {(e.entity, e.patient_id) for e in entries}
        assert _summary(entries, "procedures") == [(1, ["results"])]
        # A procedure opened in the console and over the API: the same entry.
        opened = [
            (e.entity, e.entity_id, e.patient_id, e.actor_user_id is not None)
            for e in entries
            if e.entity == "procedure"
        ]
        assert opened == [
            ("procedure", str(procedure["id"]), maria["id"], True),
            ("procedure", str(procedure["id"]), maria["id"], False),
        ]

        # What Sam looked at, and nobody else's, from the API and from /audit.
        by_sam = client.get("/v1/audit", params={"user_id": sam.id}, headers=admin).json()
        assert by_sam and {e["actor_user_id"] for e in by_sam} == {sam.id}
        by_key = client.get("/v1/audit", params={"key_id": 1}, headers=admin).json()
        assert by_key and {e["actor_user_id"] for e in by_key} == {None}
        page = client.get("/audit", params={"person": str(sam.id)})
        assert page.status_code == 200 and "Sam Patel" in page.text
        assert "test staff" not in page.text.split("<tbody>", 1)[-1]
        assert client.get("/audit", params={"person": "99999"}).status_code == 422

        # Today's read audit is committed before the page is sent: a failed commit is
        # an error page, never the list without its trace.
        kept = len(_reads(engine, since))

        def note(session: Session, *_: object) -> None:
            if any(isinstance(o, AuditEntry) for o in session.new):
                session.info["audit"] = True

        def refuse(session: Session) -> None:
            note(session)
            if session.info.pop("audit", False):
                raise OperationalError("COMMIT", None, sqlite3.OperationalError("disk I/O"))

        event.listen(Session, "before_flush", note)
        event.listen(Session, "before_commit", refuse)
        try:
            clock.advance(seconds=1)
            assert client.get("/").status_code >= 500
        finally:
            event.remove(Session, "before_commit", refuse)
            event.remove(Session, "before_flush", note)
        assert len(_reads(engine, since)) == kept
        assert clock.now - since < timedelta(minutes=30)  # the console session stayed live
