"""The front desk imports the practice-management system's export in the browser:
upload, fix the one column the guess missed, preview, import, download the outcome."""

import csv
import io
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from service.patients.models import Patient
from tests.console.conftest import assert_accessible, sign_in
from tests.support.console_server import STAFF

# The export names the time column "Slot": no guess takes it, so the person chooses it.
EXPORT = (
    (Path(__file__).parents[1] / "spreadsheets" / "front_desk.csv")
    .read_text()
    .replace("Procedure Time", "Slot", 1)
)


def _patients(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Patient)).one()


def test_front_desk_uploads_matches_a_column_previews_imports_and_downloads_the_outcome(
    page, console_engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, STAFF)
    page.get_by_role("link", name="Import").click()
    assert_accessible(page)
    page.get_by_label("Spreadsheet file").set_input_files(
        {"name": "march.csv", "mimeType": "text/csv", "buffer": EXPORT.encode()}
    )
    page.get_by_role("button", name="Upload").click()

    # The guess found the rest; without a time column the preview is refused by name.
    assert page.get_by_label("Mobile phone").input_value() == "3"
    assert_accessible(page)
    page.get_by_role("button", name="Preview").click()
    assert "no column for" not in page.content()  # a time is optional when dates carry one
    assert "the procedure time is missing" in page.content()
    page.get_by_role("link", name="Change the columns").click()
    page.get_by_label("Procedure time").select_option(label="Slot")
    page.get_by_role("button", name="Preview").click()

    # Every row's fate, problems first; nothing written yet.
    assert page.get_by_role("heading", name="Preview: march.csv").is_visible()
    assert "2 of 6 rows have problems" in page.content()
    assert page.get_by_text("Procedure date: '02/30/2027' is not a date").is_visible()
    assert _patients(console_engine) == 0
    assert_accessible(page)

    page.get_by_role("button", name="Import 4 rows").click()
    page.get_by_text("Imported.").wait_for(timeout=30_000)
    assert_accessible(page)
    assert _patients(console_engine) == 4

    with page.expect_download() as caught:
        page.get_by_role("link", name="Download every row's outcome (CSV)").click()
    saved = tmp_path / "result.csv"
    caught.value.save_as(saved)
    table = list(csv.reader(io.StringIO(saved.read_text())))
    assert [row[-5] for row in table[1:]] == ["created"] * 3 + ["not imported"] * 2 + ["created"]
    assert table[6][0].startswith("'=HYPERLINK(")  # neutralised: opening it runs nothing
