"""On-call can see the service is up and whether texts are going out on time."""

from tests.conftest import book, enroll


def test_health_and_readiness_need_no_key(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "up"


def test_metrics_show_overdue_reminders_without_patient_data(client, staff, clock):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    planned = sum(1 for r in procedure["reminders"] if r["status"] == "pending")
    clock.advance(days=9)  # past the week-before text, with no worker running
    body = client.get("/metrics").text
    assert f'reminders{{status="pending"}} {planned}.0' in body
    lines = body.splitlines()
    overdue = next(line for line in lines if line.startswith("reminders_oldest_due_seconds"))
    assert float(overdue.split()[1]) > 0
    assert "212" not in body and "Maria" not in body
