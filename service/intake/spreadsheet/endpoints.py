"""POST /v1/imports: a spreadsheet in the body (CSV, or XLSX), columns guessed from its
headers; `dry_run=true` answers the preview and writes nothing. Every row's outcome in
JSON, or as the downloadable CSV with `Accept: text/csv`."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from service.auth.deps import StaffKey
from service.deps import NowDep, SessionDep, SettingsDep
from service.intake.spreadsheet.columns import check, guess
from service.intake.spreadsheet.importing import ImportResult, import_sheet
from service.intake.spreadsheet.reading import read_sheet
from service.intake.spreadsheet.results import outcome_words, result_csv
from service.openapi import problems

router = APIRouter(tags=["imports"], responses=problems(401, 422))


@router.post(
    "/v1/imports",
    summary="Import patients and procedure dates from a spreadsheet",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_spreadsheet(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    dry_run: Annotated[bool, Query(description="preview only: nothing is written")] = False,
    file_name: Annotated[str, Query(max_length=200, description="for the audit")] = "",
) -> Response:
    """Rows match enrolled patients on MRN, else phone, folded name and date of birth, so
    importing the same file again changes nothing. A row with problems is reported and
    skipped; the others are imported."""
    content = await request.body()

    def run() -> ImportResult:
        sheet = read_sheet(content, file_name)
        mapping = guess(sheet.headers)
        check(mapping, sheet.headers)
        return import_sheet(
            session, sheet, mapping, file_name=file_name or "api upload", settings=settings,
            actor=key.subject, now=now, dry_run=dry_run,
        )  # fmt: skip

    result = await run_in_threadpool(run)
    if "text/csv" in request.headers.get("accept", ""):
        body = result_csv(result)
        return Response(body, media_type="text/csv; charset=utf-8")
    return _json(result)


def _json(result: ImportResult) -> Response:
    rows: list[dict[str, Any]] = []
    for row in result.rows:
        patient, procedure = outcome_words(row, result.dry_run)
        rows.append(
            {
                "row": row.number,
                "patient": row.patient or None,
                "procedure": row.procedure or None,
                "changes": row.changes,
                "patient_id": row.patient_id,
                "procedure_id": row.procedure_id,
                "errors": row.errors,
                "outcome": f"patient {patient}; procedure {procedure}",
            }
        )
    body = {"dry_run": result.dry_run, "counts": result.counts(), "rows": rows}
    return Response(json.dumps(body), media_type="application/json")
