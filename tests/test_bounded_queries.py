"""Queries bounded by what they return, not by history: the plan's dry run reads a few
statements per chunk of procedures and writes and locks nothing; /metrics counts without
grouping every reminder; history lists have an index; every list pages."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlmodel import Session

from service.metrics import render_metrics
from tests.conftest import book, enroll


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _book_many(client, staff, count: int, first: int) -> None:
    for n in range(first, first + count):
        patient = enroll(
            client, staff, given_name=f"P{n}", family_name=f"Q{n}", phone=f"(212) 555-{n:04d}"
        )
        book(client, staff, patient["id"], "2027-03-16T07:00:00")


def _dry_run(client, admin, engine) -> tuple[dict, list[str]]:
    with statements(engine) as seen:
        answer = client.post("/v1/plan/apply-to-pending?dry_run=true", headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json(), seen


def test_the_dry_run_locks_and_writes_nothing_and_reads_per_chunk(client, staff, admin, engine):
    moved = {"steps": [{"name": "prep_week", "day": -5, "at": "10:00"}]}
    _book_many(client, staff, 2, 1000)
    assert client.patch("/v1/plan", json=moved, headers=admin).status_code == 200
    few, seen_few = _dry_run(client, admin, engine)
    _book_many(client, staff, 6, 2000)  # booked with the new plan: moved once more, below
    moved_again = {"steps": [{"name": "prep_week", "day": -6, "at": "10:00"}]}
    assert client.patch("/v1/plan", json=moved_again, headers=admin).status_code == 200
    many, seen_many = _dry_run(client, admin, engine)
    assert (few["procedures"], many["procedures"]) == (2, 8)
    for statement in seen_many:
        assert not statement.startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT"))
        assert "FOR UPDATE" not in statement
    # As many statements for 8 procedures as for 2 (set-based, not a round per
    # procedure), plus one: the 8 were planned with two plan versions, each read once.
    selects = [s for s in seen_many if s.startswith("SELECT")]
    assert len(selects) == len([s for s in seen_few if s.startswith("SELECT")]) + 1
    applied = client.post(
        "/v1/plan/apply-to-pending", params={"expected_version": many["version"]}, headers=admin
    ).json()
    assert applied["procedure_ids"] == many["procedure_ids"]
    again = client.post("/v1/plan/apply-to-pending?dry_run=true", headers=admin).json()
    assert again["procedures"] == 0


def test_a_metrics_scrape_groups_no_reminders(client, staff, engine, clock):
    book(client, staff, enroll(client, staff)["id"], "2027-03-16T07:00:00")
    with statements(engine) as seen:
        body = render_metrics(engine, lambda: clock.now).decode()
    assert 'reminders{status="pending"}' in body and "reminders_last_day" in body
    # (The HL7 feed's counts group its own small log; reminders are never grouped.)
    assert not [s for s in seen if "GROUP BY" in s and "FROM REMINDER" in s]
    assert all("WHERE" in s for s in seen if "FROM REMINDER" in s)


def test_a_patients_messages_come_a_page_at_a_time(client, staff):
    patient = enroll(client, staff)
    for body in ("one", "two", "three"):
        sent = client.post(
            f"/v1/patients/{patient['id']}/messages",
            json={"body": body, "outside_window": True},
            headers=staff,
        )
        assert sent.status_code == 201, sent.text
    first = client.get(f"/v1/patients/{patient['id']}/messages?limit=2", headers=staff)
    assert first.headers["X-Total-Count"] == "3" and len(first.json()) == 2
    assert 'offset=2>; rel="next"' in first.headers["Link"]
    rest = client.get(f"/v1/patients/{patient['id']}/messages?limit=2&offset=2", headers=staff)
    assert [m["body"].rsplit(" ", 1)[-1] for m in rest.json()] == ["three"]
    assert "Link" not in rest.headers


def test_history_by_status_reads_the_status_and_due_index(engine):
    query = (
        "SELECT id FROM reminder WHERE status = 'sent' AND due_at >= '2027-01-01'"
        " AND due_at < '2027-02-01' ORDER BY due_at"
    )
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        else:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN {query}")))
    assert "ix_reminder_status_due" in plan
