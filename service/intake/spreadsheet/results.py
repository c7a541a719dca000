"""Every row's outcome as a CSV to download: the file's own columns, then what happened.
A cell that a spreadsheet program would run as a formula (=HYPERLINK(...), +, -, @) is
written with a leading apostrophe, so opening the result never runs anything."""

import csv
import io

from service.intake.spreadsheet.checking import RowResult
from service.intake.spreadsheet.importing import ImportResult

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
OUTCOME_HEADERS = ["Row", "Patient", "Procedure", "Patient id", "Procedure id", "Problems"]


def neutralised(cell: str) -> str:
    """OWASP's advice for CSV injection: prefix a formula's first character."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def outcome_words(row: RowResult, dry_run: bool) -> tuple[str, str]:
    if row.errors:
        return ("not imported", "not imported")
    verbs = {
        "create": "will be created" if dry_run else "created",
        "update": "will be updated" if dry_run else "updated",
        "move": "will be moved" if dry_run else "moved",
        "unchanged": "unchanged",
    }
    patient = verbs[row.patient]
    if row.changes and row.patient == "update":
        patient += " (" + ", ".join(c.replace("_", " ") for c in row.changes) + ")"
    return patient, verbs[row.procedure]


def result_csv(result: ImportResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralised(h) for h in [*result.headers, *OUTCOME_HEADERS]])
    for row in result.rows:
        patient, procedure = outcome_words(row, result.dry_run)
        writer.writerow(
            [neutralised(cell) for cell in row.cells]
            + [
                str(row.number),
                patient,
                procedure,
                str(row.patient_id or ""),
                str(row.procedure_id or ""),
                neutralised("; ".join(row.errors)),
            ]
        )
    return out.getvalue()
