"""A 2xx means committed: the request's unit of work commits before the answer is sent,
and a commit that fails turns into an error answer, never a 200 for work not kept."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.auth.keys import create_api_key
from service.db import session_scope
from service.errors import Conflict
from service.templates.store import save_template, versions_of
from service.timeline.active import default_plan
from tests.conftest import enroll

FRAME_A = "{{ clinic_name }}: Hi {{ given_name }}. {{ fragments }} Call {{ clinic_phone }}."
FRAME_B = "{{ clinic_name }}: Hello {{ given_name }}. {{ fragments }} Call {{ clinic_phone }}."


@contextmanager
def commits_fail() -> Iterator[list[str]]:
    """Every commit fails, as when the database goes away between the handler's last
    statement and its commit; the list records each one refused."""
    refused: list[str] = []

    def refuse(session: Session) -> None:
        refused.append("commit")
        raise OperationalError("COMMIT", None, sqlite3.OperationalError("disk I/O error"))

    event.listen(Session, "before_commit", refuse)
    try:
        yield refused
    finally:
        event.remove(Session, "before_commit", refuse)


def _audited_inbox_reads(engine) -> int:
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "read")).all()
    return sum(1 for e in entries if e.entity == "inbox")


def test_an_inbox_read_whose_audit_cannot_be_committed_is_not_answered_200(client, staff, engine):
    # GET /v1/inbox commits only through the request's unit of work (its read audit):
    # the commit now happens after the handler returned and before the answer is sent.
    assert client.get("/v1/inbox", headers=staff).status_code == 200
    kept = _audited_inbox_reads(engine)
    assert kept == 1
    with commits_fail() as refused:
        response = client.get("/v1/inbox", headers=staff)
    assert refused, "the commit was attempted"
    assert response.status_code == 503, response.text
    assert "nothing was changed" in response.json()["detail"]
    assert _audited_inbox_reads(engine) == kept  # and the client was not told otherwise


def test_a_patient_read_that_cannot_be_committed_is_an_error(client, staff, engine):
    patient = enroll(client, staff)
    with commits_fail():
        response = client.get(f"/v1/patients/{patient['id']}", headers=staff)
    assert response.status_code == 503


def test_a_conflicting_template_save_leaves_the_callers_transaction_alone(engine, clock, settings):
    ceiling = {"max_segments": settings.sms_max_segments, "plan": default_plan(settings)}
    with session_scope(engine) as session:
        key, _ = create_api_key(session, role="admin", name="first", now=clock.now)
        save_template(session, "frame", "en", FRAME_A, key, clock.now, **ceiling)
    with Session(engine) as session:
        # The caller's own work in the same transaction: a key created just before.
        mine, _ = create_api_key(session, role="staff", name="mine", now=clock.now)
        session.flush()
        stale = []  # as read by a save that raced another one: no versions yet
        real = versions_of

        def racing(session_, step, language):
            return stale if step == "frame" else real(session_, step, language)

        import service.templates.store as store

        store.versions_of = racing  # type: ignore[assignment]
        try:
            with pytest.raises(Conflict):
                save_template(
                    session,
                    "frame",
                    "en",
                    FRAME_B,
                    key,
                    clock.now + timedelta(minutes=1),
                    **ceiling,
                )
        finally:
            store.versions_of = real  # type: ignore[assignment]
        assert session.in_transaction()  # not rolled back behind the caller's back
        session.commit()
        assert session.get(type(mine), mine.id) is not None
