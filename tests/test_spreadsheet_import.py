"""Spreadsheet import over the API and the command line: the front desk previews a
practice-management export, imports it, and importing it again changes nothing."""

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from service.audit.models import AuditEntry
from service.config import Settings
from service.intake.spreadsheet.cli import run_import
from service.patients.models import Patient
from service.procedures.models import Procedure, Reminder
from tests.conftest import Clock, enroll, new_york

FILES = Path(__file__).parent / "spreadsheets"
FRONT_DESK = (FILES / "front_desk.csv").read_bytes()


def _post(client: TestClient, staff: dict[str, str], body: bytes, **params: str) -> dict:
    response = client.post(
        "/v1/imports",
        content=body,
        params={"file_name": "march.csv", **params},
        headers={**staff, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _rows(answer: dict) -> dict[int, dict]:
    return {row["row"]: row for row in answer["rows"]}


def test_front_desk_previews_imports_and_imports_the_same_file_again_to_no_effect(
    client: TestClient, staff: dict[str, str], engine: Engine
) -> None:
    preview = _post(client, staff, FRONT_DESK, dry_run="true")
    rows = _rows(preview)
    assert [rows[n]["patient"] for n in (2, 3, 4, 7)] == ["create"] * 4
    assert rows[5]["errors"] == ["Procedure date: '02/30/2027' is not a date"]
    assert rows[6]["errors"] == ["Mobile phone: not a mobile number that can take texts"]
    assert preview["counts"]["rows_refused"] == 2
    assert _count(engine, Patient) == 0 and _count(engine, AuditEntry) == 0  # nothing written

    imported = _post(client, staff, FRONT_DESK)
    assert imported["counts"] == {
        "rows": 6,
        "patients_create": 4,
        "procedures_create": 4,
        "rows_refused": 2,
    }
    with Session(engine) as session:
        maria = session.exec(select(Patient).where(Patient.mrn == "A1001")).one()
        # Stored as people write the name, in Spanish, waiting for the patient's YES.
        assert (maria.given_name, maria.family_name) == ("Maria Jose", "Garcia Nunez")
        assert maria.language == "es" and not maria.sms_consent
        assert maria.consent_source == "csv"
        [procedure] = session.exec(select(Procedure).where(Procedure.patient_id == maria.id))
        assert procedure.scheduled_at == new_york("2027-03-16T07:30")
    reminders = _count(engine, Reminder)

    again = _post(client, staff, FRONT_DESK)
    assert again["counts"] == {
        "rows": 6,
        "patients_unchanged": 4,
        "procedures_unchanged": 4,
        "rows_refused": 2,
    }
    assert _count(engine, Patient) == 4 and _count(engine, Reminder) == reminders
    with Session(engine) as session:
        imports = session.exec(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert [e.entity_id for e in imports] == ["march.csv", "march.csv"]
    changes = json.loads(imports[0].changes)
    assert changes["after"]["patients_create"] == 4 and changes["after"]["rows_refused"] == 2
    assert "Garcia" not in imports[0].changes and "555" not in imports[0].changes


def test_a_new_date_moves_the_procedure_and_a_new_phone_updates_the_patient(
    client: TestClient, staff: dict[str, str], engine: Engine
) -> None:
    _post(client, staff, FRONT_DESK)
    changed = FRONT_DESK.replace(b"03/18/2027,13:15", b"03/25/2027,13:15").replace(
        b"+1 212 555 0144", b"212-555-0188"
    )
    preview = _rows(_post(client, staff, changed, dry_run="true"))
    assert (preview[3]["patient"], preview[3]["procedure"]) == ("unchanged", "move")
    # Li Wei has no MRN: matched on phone, name and date of birth, so a new phone is a
    # new patient (the old record is found by its family name and date of birth).
    assert preview[4]["patient"] is None
    assert "same family name and date of birth" in preview[4]["errors"][0]
    moved = _rows(_post(client, staff, changed))
    assert moved[3]["procedure"] == "move"
    with Session(engine) as session:
        procedure = session.get(Procedure, moved[3]["procedure_id"])
        assert procedure is not None
        assert procedure.scheduled_at == new_york("2027-03-25T13:15")
    assert _count(engine, Procedure) == 4


def test_a_patient_enrolled_by_hand_is_matched_by_phone_name_and_birth_date(
    client: TestClient, staff: dict[str, str], engine: Engine
) -> None:
    enrolled = enroll(
        client, staff, given_name="Li", family_name="Wei", phone="(212) 555-0144",
        birth_date="1955-07-04",
    )  # fmt: skip
    rows = _rows(_post(client, staff, FRONT_DESK))
    # The file says the patient reads Chinese; the record said English.
    assert rows[4]["patient"] == "update" and rows[4]["changes"] == ["language"]
    assert rows[4]["patient_id"] == enrolled["id"] and rows[4]["procedure"] == "create"
    with Session(engine) as session:
        patient = session.get(Patient, enrolled["id"])
        assert patient is not None and patient.language == "zh"


def test_the_result_downloads_as_csv_with_formulas_neutralised(
    client: TestClient, staff: dict[str, str]
) -> None:
    response = client.post(
        "/v1/imports",
        content=FRONT_DESK,
        params={"dry_run": "true"},
        headers={**staff, "Content-Type": "text/csv", "Accept": "text/csv"},
    )
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0][-6:] == [
        "Row",
        "Patient",
        "Procedure",
        "Patient id",
        "Procedure id",
        "Problems",
    ]
    formula_row = table[6]
    assert formula_row[0].startswith("'=HYPERLINK(")
    assert not any(cell.startswith(("=", "+", "@")) for row in table for cell in row)
    assert table[4][-1] == "Procedure date: '02/30/2027' is not a date"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("First Name,Last Name,Cell Phone,Procedure Date\nJosé,Núñez,2125550142,3/16/2027\n"
         .encode("cp1252"), "not UTF-8 text (line 2)"),
        (b"First Name,Last Name,Procedure Date\nAnn,Lee,3/16/2027\n",
         "no column for Mobile phone"),
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "not a spreadsheet"),
    ],
    ids=["windows-1252", "no phone column", "empty", "binary"],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_with_the_reason_and_nothing_written(
    client: TestClient, staff: dict[str, str], engine: Engine, body: bytes, reason: str
) -> None:
    response = client.post(
        "/v1/imports", content=body, headers={**staff, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    assert reason in response.text
    assert _count(engine, Patient) == 0


def test_the_command_line_previews_then_imports(
    engine: Engine, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "march.csv"
    path.write_bytes(FRONT_DESK)
    out = io.StringIO()
    code = run_import(
        engine, settings, path, dry_run=True, result_path=None, now=lambda: clock.now, out=out
    )
    assert code == 1  # two rows have problems
    assert "row 5: Procedure date: '02/30/2027' is not a date" in out.getvalue()
    assert "dry run, nothing written" in out.getvalue() and _count(engine, Patient) == 0
    result = tmp_path / "result.csv"
    code = run_import(
        engine, settings, path, dry_run=False, result_path=result, now=lambda: clock.now, out=out
    )
    assert code == 1 and _count(engine, Patient) == 4
    assert "'=HYPERLINK" in result.read_text()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"Name\nX\n")
    assert run_import(
        engine, settings, broken, dry_run=False, result_path=None, now=lambda: clock.now, out=out
    ) == 2  # fmt: skip
    with Session(engine) as session:
        who = session.exec(select(AuditEntry.actor_name).where(AuditEntry.action == "import")).all()
    assert len(who) == 1 and who[0].startswith("reminders import by")


def test_a_row_the_record_domain_refuses_at_import_is_rolled_back_alone(
    client: TestClient, staff: dict[str, str], engine: Engine
) -> None:
    # A given name longer than a record holds: the domain refuses it when enrolling.
    hidden = FRONT_DESK.replace(b"John,O'Brien", b"J" + b"o" * 120 + b"hn,O'Brien")
    rows = _rows(_post(client, staff, hidden))
    assert rows[3]["errors"] and rows[3]["patient_id"] is None
    assert [rows[n]["patient"] for n in (2, 4, 7)] == ["create"] * 3
    assert _count(engine, Patient) == 3
    with Session(engine) as session:
        # Nothing of the refused row is left: no procedure without a patient, no audit.
        assert session.exec(select(func.count()).select_from(Procedure)).one() == 3


def test_an_excel_workbook_imports_like_its_csv(
    client: TestClient, staff: dict[str, str], engine: Engine
) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["MRN", "Last Name", "First Name", "DOB", "Mobile", "Procedure Date", "Time"])
    sheet.append(
        ["X1", "HALL", "RUTH", datetime(1951, 2, 3), 2125550150, datetime(2027, 3, 19, 7, 30), ""]
    )
    content = io.BytesIO()
    book.save(content)
    response = client.post(
        "/v1/imports",
        content=content.getvalue(),
        params={"file_name": "march.xlsx"},
        headers={**staff, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert row["errors"] == [] and row["procedure"] == "create"
    with Session(engine) as session:
        ruth = session.exec(select(Patient).where(Patient.mrn == "X1")).one()
        assert ruth.given_name == "Ruth" and str(ruth.birth_date) == "1951-02-03"
        procedure = session.exec(select(Procedure)).one()
        assert procedure.scheduled_at == new_york("2027-03-19T07:30")


def test_reminders_import_runs_from_the_command_line(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from service.cli import main
    from service.config import get_settings

    path = tmp_path / "march.csv"
    path.write_bytes(FRONT_DESK)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as done:
            main(["import", str(path), "--dry-run"])
    finally:
        get_settings.cache_clear()
    assert done.value.code == 1  # rows 5 and 6 have problems
    out = capsys.readouterr().out
    assert "dry run, nothing written: rows: 6" in out and "row 6: Mobile phone" in out
    assert _count(engine, Patient) == 0
