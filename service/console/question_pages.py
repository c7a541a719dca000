"""/check-in-questions (admin): the questions the check-ins ask, in order; add one (its
wording and short form in every language), change its order, source or whether it is
asked, retire it. The same use cases as /v1/check-in-questions; a question's wording is
then edited on its text pages (/templates/question_<key>/<language>: previewed,
segment-counted, versioned like every text)."""

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from service.auth.principals import AdminPrincipal
from service.checkins import question_admin
from service.config import Settings
from service.console.deps import ConsoleAdmin
from service.console.forms import FormState, WholeForm
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.console.template_pages import language_name
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import DomainError
from service.templates.store import LANGUAGES

router = console_router()

PAGE = "/check-in-questions"
KINDS = [("scale", "A number on a scale"), ("minutes", "Minutes")]
TEXTS = ("wording", "short_form")


@router.get(PAGE)
def questions_page(request: Request, admin: ConsoleAdmin, db: SessionDep) -> Response:
    return _list_page(request, db, FormState(values={"kind": "scale"}))


@router.post(PAGE)
def add_question(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    posted: WholeForm,
) -> Response:
    form = FormState(values=posted)
    data: dict[str, Any] = {
        "key": form.values.get("key", "").strip(),
        "kind": form.values.get("kind", ""),
        "source": form.values.get("source", ""),
        **{name: _texts(form, name) for name in TEXTS},
    }
    if data["kind"] == "scale":
        data["scale_min"] = _whole(form, "scale_min", "Enter the lowest answer, like 0")
        data["scale_max"] = _whole(form, "scale_max", "Enter the highest answer, like 10")
    if form.values.get("position", "").strip():
        data["position"] = _whole(form, "position", "Enter a whole number, like 3")
    if form.ok:
        try:
            row = question_admin.add_question(db, settings, data, admin.subject, now)
            db.commit()
            return see_other(
                request,
                PAGE,
                flash=f"Question '{row.key}' added. It is asked at every check-in from now on, "
                "after the questions before it.",
            )
        except DomainError as exc:
            db.rollback()  # nothing saved
            form.error(_form_field(exc.field), exc.message)
    return _list_page(request, db, form, status_code=422)


@router.get(PAGE + "/{key}")
def question_page(key: str, request: Request, admin: ConsoleAdmin, db: SessionDep) -> Response:
    view = _view(db, key)
    values = {
        "position": str(view.row.position),
        "source": view.row.source,
        "active": "on" if view.row.is_active else "",
        "version": str(view.row.version),
    }
    return _edit_page(request, view, FormState(values=values))


@router.post(PAGE + "/{key}")
def change_question(
    key: str,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    posted: WholeForm,
) -> Response:
    form = FormState(values=posted)
    form.values.setdefault("active", "")
    data: dict[str, Any] = {
        "expected_version": _whole(form, "version", "Reload the page and try again"),
        "position": _whole(form, "position", "Enter a whole number, like 3"),
        "source": form.values.get("source", ""),
        "active": form.values.get("active") == "on",
    }
    return _change(request, db, settings, now, admin, key, data, form, "Question saved.")


@router.post(PAGE + "/{key}/retire")
def retire_question(
    key: str,
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    version: Annotated[int, Form()] = -1,
) -> Response:
    view = _view(db, key)
    form = FormState(
        values={
            "position": str(view.row.position),
            "source": view.row.source,
            "active": "on" if view.row.is_active else "",
            "version": str(version),
        }
    )
    data = {"expected_version": version, "active": False}
    flash = f"Question '{key}' retired: it is asked no more. Its answers are kept."
    return _change(request, db, settings, now, admin, key, data, form, flash)


def _change(
    request: Request,
    db: Session,
    settings: Settings,
    now: datetime,
    admin: AdminPrincipal,
    key: str,
    data: dict[str, Any],
    form: FormState,
    flash: str,
) -> Response:
    if form.ok:
        try:
            row = question_admin.change_question(db, settings, key, data, admin.subject, now)
            db.commit()
            return see_other(
                request, PAGE if not row.is_active else f"{PAGE}/{row.key}", flash=flash
            )
        except DomainError as exc:
            db.rollback()  # nothing saved
            if exc.field == "expected_version":
                # Someone saved it meanwhile: show what it is now, and say so.
                return see_other(
                    request,
                    f"{PAGE}/{key}",
                    flash="Someone changed this question since you opened it. Check it and "
                    "make your change again.",
                )
            form.error(_form_field(exc.field), exc.message)
    return _edit_page(request, _view(db, key), form, status_code=422)


def _view(db: Session, key: str) -> question_admin.QuestionView:
    question_admin.find(db, key)  # 404 when there is none
    return next(v for v in question_admin.list_questions(db) if v.row.key == key)


def _texts(form: FormState, name: str) -> dict[str, str]:
    return {lang: form.values.get(f"{name}-{lang}", "") for lang in LANGUAGES}


def _whole(form: FormState, field: str, message: str) -> int | None:
    raw = form.values.get(field, "").strip()
    if re.fullmatch(r"-?\d{1,4}", raw):
        return int(raw)
    form.error(field, message)
    return None


def _form_field(field: str | None) -> str:
    """The domain's field ('wording.es', 'expected_version') as the form's."""
    if field and "." in field:
        return field.replace(".", "-")
    return field or "key"


def _list_page(
    request: Request, db: Session, form: FormState, *, status_code: int = 200
) -> Response:
    context = {
        "title": "Check-in questions",
        "questions": question_admin.list_questions(db),
        "values": form.values,
        "errors": form.errors,
        "kinds": KINDS,
        "languages": [(lang, language_name(lang)) for lang in LANGUAGES],
    }
    return render(request, "check_in_questions.html", context, status_code=status_code)


def _edit_page(
    request: Request,
    view: question_admin.QuestionView,
    form: FormState,
    *,
    status_code: int = 200,
) -> Response:
    context = {
        "title": f"Check-in question {view.row.key}",
        "question": view,
        "values": form.values,
        "errors": form.errors,
        "languages": [(lang, language_name(lang)) for lang in LANGUAGES],
    }
    return render(request, "check_in_question.html", context, status_code=status_code)
