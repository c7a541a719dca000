"""The API's own documentation tells the truth: summaries, real examples, the real errors."""

from zoneinfo import ZoneInfo

import pytest

from service.app import create_app


@pytest.fixture
def doc(settings):
    return create_app(settings).openapi()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_operation_has_a_summary(doc):
    missing = [(m, p) for m, p, op in _operations(doc) if not op.get("summary")]
    assert missing == []


def test_every_documented_error_is_the_body_the_api_really_sends(doc, client, staff):
    for method, path, operation in _operations(doc):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"detail", "errors"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]

    documented = doc["paths"]["/v1/patients"]["post"]["responses"]["422"]["content"][
        "application/json"
    ]["example"]
    real = client.post(
        "/v1/patients",
        json={
            "given_name": "María",
            "family_name": "López",
            "phone": "(312) 555-0142",
            "timezone": "Mars/Olympus_Mons",
            "sms_consent": True,
        },
        headers=staff,
    )
    assert real.status_code == 422
    # The same shape and the same field (the wording of the message may be refined).
    body = real.json()
    assert set(body) == set(documented) == {"detail", "errors"}
    assert [set(e) for e in body["errors"]] == [set(e) for e in documented["errors"]]
    assert body["errors"][0]["field"] == documented["errors"][0]["field"] == "timezone"
    assert body["detail"].startswith("timezone: ")


def test_the_enrollment_examples_are_real_and_accepted(doc, client, staff):
    examples = doc["paths"]["/v1/patients"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    spanish = examples["spanish"]["value"]
    assert spanish["language"] == "es"
    assert ZoneInfo(spanish["timezone"]).key == "America/Chicago"
    first = client.post("/v1/patients", json=spanish, headers=staff)
    assert first.status_code == 201, first.text
    relative = client.post("/v1/patients", json=examples["family_member"]["value"], headers=staff)
    assert relative.status_code == 201, relative.text
