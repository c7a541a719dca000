"""What a stranger meets at the door: size limits before anything is read, headers that
keep patient data out of caches, no server banner, a protected /metrics, a masked log."""

import logging

from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.edge.access_log import masked_query
from tests.conftest import enroll
from tests.support.apps import bound_app

PATIENT_JSON = (
    b'{"given_name":"Maria","family_name":"Lopez","phone":"2125550142","sms_consent":true'
)


def _padded(size: int) -> bytes:
    """A JSON body of `size` bytes: a patient with a long (ignored) padding field."""
    head = PATIENT_JSON + b',"x":"'
    return head + b"a" * (size - len(head) - 2) + b'"}'


def test_an_oversized_body_is_413_before_the_key_is_checked(client, staff):
    big = _padded(64 * 1024 + 1)
    # No key at all: still 413, not 401 -- nothing past the size check ran.
    refused = client.post("/v1/patients", content=big, headers={"content-type": "application/json"})
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["field"] == "body"
    assert refused.headers["connection"] == "close"
    # Just under the limit reaches validation (the padding field is refused: 422).
    fits = client.post("/v1/patients", content=_padded(64 * 1024), headers=staff)
    assert fits.status_code == 422


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(client, staff):
    chunks_read = []

    def stream():
        for i in range(1000):  # 64 MB if it were all read
            chunks_read.append(i)
            yield b"a" * 65536

    refused = client.post(
        "/v1/patients",
        content=stream(),
        headers={**staff, "content-type": "application/json"},
    )
    assert refused.status_code == 413
    assert "content-length" not in {k.lower() for k in refused.request.headers}
    # The client may buffer what it sends; the API answered from the first chunks.
    assert refused.json()["detail"] == "body: the request body is larger than 65536 bytes"


def test_an_unsigned_oversized_webhook_is_413_not_a_signature_check(client):
    body = b"Body=" + b"a" * (32 * 1024)
    refused = client.post(
        "/v1/twilio/inbound",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 413
    # The webhook limit is smaller than the API's: 32 KB.
    assert "32768" in refused.json()["detail"]


def test_answers_with_patient_data_are_never_cached_or_sniffed(client, staff):
    patient = enroll(client, staff)
    response = client.get(f"/v1/patients/{patient['id']}", headers=staff)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "server" not in response.headers
    assert "strict-transport-security" not in response.headers  # plain http here
    refused = client.get("/v1/patients/1")
    assert refused.headers["cache-control"] == "no-store"


def test_hsts_is_sent_when_served_over_https(settings, engine, clock, staff):
    app = bound_app(settings, engine, clock)
    with TestClient(app, base_url="https://reminders.example.org") as https:
        response = https.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_metrics_can_be_protected_with_a_token(settings, engine, clock):
    protected = settings.model_copy(update={"metrics_token": SecretStr("s3cret-metrics")})
    with TestClient(bound_app(protected, engine, clock)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert right.status_code == 200
        assert "reminders" in right.text
    with TestClient(bound_app(settings, engine, clock)) as open_client:
        assert open_client.get("/metrics").status_code == 200


def test_the_access_log_masks_query_values(client, staff, caplog):
    enroll(client, staff, phone="(212) 555-0187")
    with caplog.at_level(logging.INFO, logger="reminders.access"):
        found = client.get(
            "/v1/patients", params={"phone": "+1 212-555-0187"}, headers=staff
        ).json()
        client.get("/v1/reminders", params={"status": "failed", "limit": "5"}, headers=staff)
    assert len(found) == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "reminders.access"]
    lookup = next(line for line in lines if "GET /v1/patients" in line)
    assert "phone=***" in lookup and "0187" not in lookup and "212" not in lookup
    assert any("status=failed&limit=5" in line and " 200 " in line for line in lines)


def test_masked_query_keeps_safe_values_only():
    assert masked_query("phone=%2B1+212-555-0187&limit=5") == "phone=***&limit=5"
    assert masked_query("q=Maria+Lopez&since=2027-03-01T00:00:00Z") == (
        "q=***&since=2027-03-01T00:00:00Z"
    )
    assert masked_query("") == ""
