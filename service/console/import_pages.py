"""/imports: a spreadsheet from the practice-management system, in four steps: upload,
match its columns to ours, preview every row, import (with progress), then download
every row's outcome. Nothing is written before "Import"; the rules are the intake's."""

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.datastructures import UploadFile

from service.auth.principals import StaffPrincipal
from service.config import Settings
from service.console.deps import ConsoleUser
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import InvalidInput
from service.intake.spreadsheet.checking import RowResult
from service.intake.spreadsheet.columns import LABELS, Column, Mapping_, check, from_form, guess
from service.intake.spreadsheet.importing import ImportResult, import_sheet
from service.intake.spreadsheet.reading import Sheet, read_sheet
from service.intake.spreadsheet.results import outcome_words, result_csv
from service.intake.spreadsheet.store import Upload, UploadStore
from service.users.models import User

router = console_router()
log = logging.getLogger("reminders.imports")
SHOWN_ROWS = 500  # rows listed on a page; problems first, the download has every row


@router.get("/imports/new")
def new_import(request: Request, user: ConsoleUser) -> Response:
    return render(request, "import_new.html")


@router.post("/imports/new")
async def upload_file(request: Request, user: ConsoleUser, settings: SettingsDep) -> Response:
    form = await request.form()
    upload = form.get("file")
    # Starlette's own UploadFile: the form is read by hand (FastAPI's File() would need
    # the field declared, and then a missing file would be a JSON 422, not this page).
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    name = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    try:
        read_sheet(content, name)
    except InvalidInput as refused:
        errors = {
            "file": f"{name or 'The file'}: {refused.message}" if content else "Choose a file"
        }
        return render(request, "import_new.html", {"errors": errors}, status_code=422)
    stored = UploadStore(settings).add(_person(user).id or 0, name, content)
    return see_other(request, f"/imports/{stored.token}/columns")


def _person(user: StaffPrincipal) -> User:
    """The person signed in (console principals are people, never keys)."""
    assert isinstance(user.subject, User)
    return user.subject


def _load(
    settings: Settings, token: str, user: StaffPrincipal
) -> tuple[UploadStore, Upload, Sheet]:
    store = UploadStore(settings)
    upload = store.get(token, _person(user).id or 0)
    return store, upload, read_sheet(store.content(upload), upload.file_name)


def _mapping(upload: Upload) -> Mapping_:
    return {Column(name): index for name, index in upload.mapping.items()}


@router.get("/imports/{token}/columns")
def columns_page(
    request: Request, token: str, user: ConsoleUser, settings: SettingsDep
) -> Response:
    _, upload, sheet = _load(settings, token, user)
    chosen = _mapping(upload) if upload.mapping else guess(sheet.headers)
    return _columns(request, upload, sheet, {c.value: str(i) for c, i in chosen.items()}, {})


def _columns(
    request: Request, upload: Upload, sheet: Sheet, values: dict[str, str], errors: dict[str, str]
) -> Response:
    options = [("", "(not in the file)")] + [
        (str(i), header or f"column {i + 1}") for i, header in enumerate(sheet.headers)
    ]
    example = sheet.rows[0] if sheet.rows else []
    return render(
        request,
        "import_columns.html",
        {
            "upload": upload, "rows": len(sheet.rows), "columns": LABELS.items(),
            "options": options, "values": values, "errors": errors,
            "example": {str(i): cell for i, cell in enumerate(example)},
        },
        status_code=422 if errors else 200,
    )  # fmt: skip


@router.post("/imports/{token}/columns")
async def choose_columns(
    request: Request, token: str, user: ConsoleUser, settings: SettingsDep
) -> Response:
    store, upload, sheet = _load(settings, token, user)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        mapping = from_form(form, len(sheet.headers))
        check(mapping, sheet.headers)
    except InvalidInput as refused:
        return _columns(request, upload, sheet, form, {refused.field or "columns": refused.message})
    upload.mapping = {c.value: i for c, i in mapping.items()}
    store.save(upload)
    return see_other(request, f"/imports/{token}/preview")


def _checked(
    session: Session, upload: Upload, sheet: Sheet, user: User, settings: Settings, now: datetime
) -> ImportResult:
    return import_sheet(
        session, sheet, _mapping(upload), file_name=upload.file_name, settings=settings,
        actor=user, now=now, dry_run=True,
    )  # fmt: skip


@router.get("/imports/{token}/preview")
def preview_page(
    request: Request, token: str, user: ConsoleUser, db: SessionDep, settings: SettingsDep,
    now: NowDep,
) -> Response:  # fmt: skip
    _, upload, sheet = _load(settings, token, user)
    if not upload.mapping:
        return see_other(request, f"/imports/{token}/columns")
    result = _checked(db, upload, sheet, _person(user), settings, now)
    return render(request, "import_preview.html", _outcome(upload, result))


@router.get("/imports/{token}/preview.csv")
def preview_csv(
    token: str, user: ConsoleUser, db: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    _, upload, sheet = _load(settings, token, user)
    result = _checked(db, upload, sheet, _person(user), settings, now)
    return _download(result_csv(result), f"preview of {upload.file_name}")


@router.post("/imports/{token}/import")
def start_import(
    request: Request, token: str, user: ConsoleUser, settings: SettingsDep, now: NowDep
) -> Response:
    store, upload, sheet = _load(settings, token, user)
    if upload.state == "uploaded" and upload.mapping:
        upload.state, upload.total = "importing", len(sheet.rows)
        store.save(upload)
        _in_background(
            request.app.state.engine, settings, store, upload, sheet, _person(user).id or 0, now
        )
    return see_other(request, f"/imports/{token}")


def _in_background(
    engine: Engine, settings: Settings, store: UploadStore, upload: Upload, sheet: Sheet,
    user_id: int, now: datetime,
) -> None:  # fmt: skip
    """The import runs beside the request: its page refreshes to show the progress."""

    def progress(done: int, total: int) -> None:
        upload.done, upload.total = done, total
        store.save(upload)

    def work() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                user = session.get(User, user_id)
                assert user is not None
                result = import_sheet(
                    session, sheet, _mapping(upload), file_name=upload.file_name,
                    settings=settings, actor=user, now=now, dry_run=False, progress=progress,
                )  # fmt: skip
            store.put(upload, "result.csv", result_csv(result))
            store.put(upload, "outcome.json", _outcome(upload, result, plain=True))
            upload.state, upload.counts = "done", result.counts()
        except Exception as exc:
            # The error's type only: a database error's text can quote a row's values.
            log.error("spreadsheet import stopped part way (%s); rows committed so far stay",
                      type(exc).__name__)  # fmt: skip
            upload.state = "failed"
        store.save(upload)

    threading.Thread(target=work, name=f"import-{upload.token[:6]}", daemon=True).start()


@router.get("/imports/{token}")
def import_page(request: Request, token: str, user: ConsoleUser, settings: SettingsDep) -> Response:
    store, upload, _ = _load(settings, token, user)
    if upload.state == "uploaded":
        return see_other(request, f"/imports/{token}/preview")
    context: dict[str, Any] = {"upload": upload}
    if upload.state == "done":
        import json

        context.update(json.loads(store.read(upload, "outcome.json")))
    return render(request, "import_status.html", context)


@router.get("/imports/{token}/result.csv")
def result_download(token: str, user: ConsoleUser, settings: SettingsDep) -> Response:
    store, upload, _ = _load(settings, token, user)
    if upload.state != "done":
        raise InvalidInput("the import has not finished yet", field="upload")
    return _download(store.read(upload, "result.csv"), f"result of {upload.file_name}")


def _download(body: str, name: str) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in " ._-" else "_" for ch in name)[:120]
    if not safe.lower().endswith(".csv"):
        safe += ".csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def _outcome(upload: Upload, result: ImportResult, *, plain: bool = False) -> dict[str, Any]:
    """What the preview and result pages show: counts and the rows, problems first."""
    ordered = sorted(result.rows, key=lambda row: (not row.errors, row.number))
    shown = [_row(row, result.dry_run) for row in ordered[:SHOWN_ROWS]]
    words: Callable[[str], str] = lambda name: name.replace("_", " ")  # noqa: E731
    counts = [(words(name), n) for name, n in result.counts().items()]
    context: dict[str, Any] = {
        "counts": counts, "rows": shown, "total": len(result.rows),
        "refused": sum(1 for row in result.rows if row.errors),
    }  # fmt: skip
    if not plain:
        context["upload"] = upload
    return context


def _row(row: RowResult, dry_run: bool) -> dict[str, Any]:
    patient, procedure = outcome_words(row, dry_run)
    return {
        "number": row.number, "patient": patient, "procedure": procedure,
        "patient_id": row.patient_id, "errors": row.errors,
    }  # fmt: skip
