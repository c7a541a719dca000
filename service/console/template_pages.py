"""/templates: the texts patients get, step by language. Admins edit with a live preview
and restore versions; staff read the wording. Thin over `service.templates`."""

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any

from fastapi import Form, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, TypeAdapter, ValidationError
from sqlmodel import Session

from service.audit.reads import Reader
from service.auth.principals import StaffPrincipal
from service.config import Settings
from service.console.deps import ConsoleAdmin, ConsoleUser
from service.console.formatting import sentence
from service.console.forms import FormState
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.console.today_view import step_label
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import DomainError, NotFound
from service.procedures.wording import preview_sample
from service.templates import editing, store
from service.templates.preview import Preview, preview_template
from service.templates.schemas import MAX_BODY
from service.validation import MultilineText

router = console_router()

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
# The same checks as the API's body: length and no control characters.
_BODY = TypeAdapter(Annotated[MultilineText, Field(min_length=1, max_length=MAX_BODY)])
Version = Annotated[int, Path(ge=0, le=2_147_483_647)]


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def counts_text(preview: Preview, max_segments: int) -> str:
    """'152 characters, GSM-7, 1 SMS segment (at most 3)': the page and the script show it."""
    plural = "" if preview.segments == 1 else "s"
    return (
        f"{preview.characters} characters, {preview.encoding}, {preview.segments} SMS "
        f"segment{plural} (at most {max_segments})"
    )


@router.get("/templates")
def templates_page(request: Request, user: ConsoleUser, db: SessionDep) -> Response:
    source = store.DbTemplates(db)
    rows = [
        (step, step_label(step), [source.get(step, language) for language in store.LANGUAGES])
        for step in store.template_steps(db)
    ]
    context = {
        "title": "Texts",
        "rows": rows,
        "languages": [(lang, language_name(lang)) for lang in store.LANGUAGES],
        "can_edit": user.is_admin,
    }
    return render(request, "templates.html", context)


@router.get("/templates/{step}/{language}")
def template_page(
    step: str,
    language: str,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    compare: int | None = None,
    to: int | None = None,
) -> Response:
    _check(db, step, language)
    active = store.DbTemplates(db).get(step, language)
    form = FormState(values={"body": active.body, "procedure_id": ""})
    return _page(request, db, settings, user, step, language, form, compare=compare, to=to)


@router.post("/templates/{step}/{language}")
def edit_template(
    step: str,
    language: str,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    body: Annotated[str, Form()] = "",
    procedure_id: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "preview",
) -> Response:
    """ "Preview" renders the typed text (nothing saved); "Save" adds a version."""
    _check(db, step, language)
    form = FormState(values={"body": body, "procedure_id": procedure_id})
    if action == "save":
        checked = _checked_body(form, body)
        if form.ok:
            try:
                row = editing.save_version(
                    db, settings, step, language, checked, admin.subject, now
                )
                db.commit()
                return see_other(
                    request,
                    f"/templates/{step}/{language}",
                    flash=f"Saved as version {row.version}. Texts composed from now on use it.",
                )
            except DomainError as exc:
                db.rollback()  # nothing saved
                form.from_domain_error(exc, fallback_field="body")
        return _page(request, db, settings, admin, step, language, form, status_code=422)
    preview, problem = _preview(db, settings, admin.subject, now, step, language, form)
    status = 200 if preview is not None else 422
    if problem:
        form.error(problem[0], problem[1])
    return _page(
        request,
        db,
        settings,
        admin,
        step,
        language,
        form,
        preview=preview,
        status_code=status,
    )


@router.post("/templates/{step}/{language}/preview")
def live_preview(
    step: str,
    language: str,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    body: Annotated[str, Form()] = "",
    procedure_id: Annotated[str, Form()] = "",
) -> Response:
    """The live preview's JSON: the same preview as the button, for the page's script."""
    _check(db, step, language)
    form = FormState(values={"body": body, "procedure_id": procedure_id})
    preview, problem = _preview(db, settings, user.subject, now, step, language, form)
    if preview is None:
        field, message = problem or ("body", "The preview cannot be shown")
        return JSONResponse({"errors": [{"field": field, "message": message}]}, status_code=422)
    return JSONResponse(
        {
            "text": preview.text,
            "characters": preview.characters,
            "encoding": preview.encoding,
            "segments": preview.segments,
            "max_segments": preview.max_segments,
            "counts": counts_text(preview, settings.sms_max_segments),
        }
    )


@router.post("/templates/{step}/{language}/restore/{version}")
def restore(
    step: str,
    language: str,
    version: Version,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    _check(db, step, language)
    row = editing.restore_version(db, settings, step, language, version, admin.subject, now)
    db.commit()
    return see_other(
        request,
        f"/templates/{step}/{language}",
        flash=f"Version {version} restored as version {row.version}.",
    )


def _check(db: Session, step: str, language: str) -> None:
    store.check_step(step, db)
    if language not in store.LANGUAGES:
        # An address that names no text is a page not found, not a form error.
        raise NotFound(f"no texts in '{language}'", field="language")


def _checked_body(form: FormState, body: str) -> str:
    try:
        return _BODY.validate_python(body)
    except ValidationError as exc:
        form.error("body", exc.errors()[0]["msg"].removeprefix("Value error, "))
        return body


def _preview(
    db: Session,
    settings: Settings,
    reader: Reader,
    now: datetime,
    step: str,
    language: str,
    form: FormState,
) -> tuple[Preview | None, tuple[str, str] | None]:
    """The preview of the typed body, or (None, (field, message)) saying why not."""
    body = _checked_body(form, form.values["body"])
    if not form.ok:
        return None, ("body", form.errors["body"])
    raw_id = form.values["procedure_id"].strip()
    procedure_id = None
    if raw_id:
        if not raw_id.isdigit() or not 1 <= int(raw_id) <= 2_147_483_647:
            return None, ("procedure_id", "Enter a procedure number, like 12, or leave it empty")
        procedure_id = int(raw_id)
    try:
        sample = (
            None
            if procedure_id is None
            else preview_sample(db, settings, procedure_id, reader, now)
        )
        preview = preview_template(
            db, settings, step=step, language=language, body=body, procedure=sample
        )
    except DomainError as exc:
        field = exc.field if exc.field in ("body", "procedure_id") else "body"
        return None, (field, sentence(exc.message))
    return preview, None


def _page(
    request: Request,
    db: Session,
    settings: Settings,
    user: StaffPrincipal,
    step: str,
    language: str,
    form: FormState,
    *,
    preview: Preview | None = None,
    compare: int | None = None,
    to: int | None = None,
    status_code: int = 200,
) -> Response:
    versions = editing.history(db, step, language)
    active = next(v for v in versions if v.is_active)
    if preview is None and not form.errors:
        # The page opens on the active text with the sample patient.
        now = request.app.state.clock()  # the app's clock (tests pass theirs)
        preview, _ = _preview(db, settings, user.subject, now, step, language, form)
    by_number = {v.version: v for v in versions}
    diff = None
    if compare in by_number and to in by_number and compare is not None and to is not None:
        diff = {
            "from": compare,
            "to": to,
            "parts": editing.word_diff(by_number[compare].body, by_number[to].body),
        }
    context: dict[str, Any] = {
        "title": f"{step_label(step)} text in {language_name(language)}",
        "step": step,
        "language": language,
        "language_name": language_name(language),
        "active": active,
        "versions": versions,
        "previous": {v.version: o.version for v, o in pairwise(versions)},
        "variables": editing.variables_of(step),
        **editing.what_a_text_may_use(),
        "can_edit": user.is_admin,
        "values": form.values,
        "errors": form.errors,
        "preview": preview,
        "counts": counts_text(preview, settings.sms_max_segments) if preview else "",
        "diff": diff,
        "versions_options": [(v.version, _version_label(v)) for v in versions],
    }
    return render(request, "template.html", context, status_code=status_code)


def _version_label(version: editing.Version) -> str:
    if version.version == 0:
        return "0 (default)"
    return f"{version.version}" + (" (in force)" if version.is_active else "")
