"""Held-out exports (tests/spreadsheets/heldout, see EXPECTED.md): written from real
practice-management systems' layouts before the importer read them; never tuned on."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

HELDOUT = Path(__file__).parent / "spreadsheets" / "heldout"

# file -> {row: None (imports) or a fragment of its problem}
EXPECTED: dict[str, dict[int, str | None]] = {
    "athena_appointments.csv": {2: None, 3: None, 4: None},
    "ecw_schedule.csv": {2: "more cells than the header", 3: None, 4: "Mobile phone: missing"},
    "advancedmd_export.txt": {2: None, 3: None},
    "epic_cadence.csv": {2: None, 3: None, 4: "Date of birth"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_practice_systems_export_previews_as_expected(
    client: TestClient, staff: dict[str, str], name: str
) -> None:
    response = client.post(
        "/v1/imports",
        content=(HELDOUT / name).read_bytes(),
        params={"dry_run": "true", "file_name": name},
        headers={**staff, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    got = {row["row"]: row for row in response.json()["rows"]}
    assert sorted(got) == sorted(EXPECTED[name])
    for number, problem in EXPECTED[name].items():
        if problem is None:
            assert got[number]["errors"] == [], (number, got[number]["errors"])
            assert got[number]["patient"] == "create"
        else:
            assert any(problem in error for error in got[number]["errors"]), got[number]
