"""A number too large for the column it is stored in, or compared with, is refused with a
422 naming the field; it never reaches the database (where SQLite raises OverflowError
and PostgreSQL a DataError: a 500 either way)."""

import pytest

from tests.conftest import enroll

PAST_ANY_COLUMN = 2**63  # one past the largest 64-bit integer


def test_a_merge_naming_an_impossible_duplicate_is_refused(client, staff):
    kept = enroll(client, staff)
    answer = client.post(
        f"/v1/patients/{kept['id']}/merge", json={"duplicate_id": PAST_ANY_COLUMN}, headers=staff
    )
    assert answer.status_code == 422
    assert "duplicate_id" in answer.text
    preview = client.get(
        f"/v1/patients/{kept['id']}/merge-preview",
        params={"duplicate_id": PAST_ANY_COLUMN},
        headers=staff,
    )
    assert preview.status_code in (404, 422)


def test_a_correction_on_an_impossible_version_is_refused(client, staff):
    patient = enroll(client, staff)
    answer = client.patch(
        f"/v1/patients/{patient['id']}",
        json={"language": "es", "expected_version": PAST_ANY_COLUMN},
        headers=staff,
    )
    assert answer.status_code == 422
    assert "expected_version" in answer.text


@pytest.mark.parametrize("field", ["scale_min", "scale_max", "position", "expected_version"])
def test_a_check_in_question_with_an_impossible_number_is_refused(client, admin, field):
    created = client.post(
        "/v1/check-in-questions",
        json={
            "key": "odi_item_1",
            "kind": "scale",
            "scale_min": 0,
            "scale_max": 5,
            "source": "our own wording",
            "wording": {"en": "How bad is your pain today, 0 to 5?", "es": "¿Cuánto dolor, 0 a 5?"},
            "short_form": {"en": "Pain 0-5?", "es": "¿Dolor 0-5?"},
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    change = {"expected_version": created.json()["version"], field: PAST_ANY_COLUMN}
    answer = client.patch("/v1/check-in-questions/odi_item_1", json=change, headers=admin)
    assert answer.status_code in (409, 422), answer.text
    assert field in answer.text
