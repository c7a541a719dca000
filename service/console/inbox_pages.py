"""/inbox: replies waiting for a person, one reply's page, marking it handled, and
answering with a one-off text. Thin over `service.conversation` (the API's services)."""

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from service.console.deps import ConsoleUser
from service.console.forms import FormState
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.conversation import inbox, receipts
from service.conversation.schemas import HandleReply, StaffTextCreate
from service.conversation.sending import GatewayDep
from service.conversation.staff_texts import send_staff_text, staff_text_body
from service.deps import EngineDep, NowDep, ResourceId, SessionDep, SettingsDep
from service.errors import DomainError
from service.timeline.active import active_plan

router = console_router()

INBOX_LIMIT = 200


@router.get("/inbox")
def inbox_page(request: Request, user: ConsoleUser, db: SessionDep, now: NowDep) -> Response:
    replies = inbox.read_inbox(db, user.subject, now, INBOX_LIMIT)
    db.commit()
    urgent = sum(1 for r in replies if r.message.urgent)
    return render(
        request,
        "inbox.html",
        {"title": "Inbox", "replies": replies, "urgent": urgent, "limit": INBOX_LIMIT},
    )


@router.get("/inbox/{message_id}")
def reply_page(
    message_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    return _reply_page(request, db, settings, user, message_id, now, FormState())


@router.post("/inbox/{message_id}/handle")
def mark_handled(
    message_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    form = FormState(values={"note": note})
    try:
        checked = HandleReply(note=note.strip() or None)
    except ValidationError:
        form.error("note", "The note must be 2000 characters or fewer")
    if form.ok:
        inbox.handle_reply(db, message_id, user.subject, checked.note, now)
        db.commit()
        return see_other(request, "/inbox", flash="Reply marked as handled")
    return _reply_page(request, db, settings, user, message_id, now, form, 422)


@router.post("/inbox/{message_id}/reply")
def reply_with_text(
    message_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    now: NowDep,
    body: Annotated[str, Form()] = "",
    outside_window: Annotated[str, Form()] = "",
) -> Response:
    form = FormState(values={"body": body, "outside_window": outside_window})
    form.require("body", "Enter the text to send")
    if form.ok:
        try:
            checked = StaffTextCreate(body=body, outside_window=outside_window == "on")
        except ValidationError:
            form.error("body", "The text must be 1600 characters or fewer")
    if form.ok:
        reply = inbox.read_reply(db, message_id, user.subject, now)
        if reply.patient is None:
            # No record, so no consent to text: the page offers the number to call instead.
            form.error("body", "This number is not on file: call them back instead")
            return _reply_page(request, db, settings, user, message_id, now, form, 422)
        # The reading of the reply (and its audit) is kept; the text is sent with no
        # transaction open, in units of work of its own.
        db.commit()
        try:
            send_staff_text(
                engine,
                settings,
                gateway,
                reply.patient.id or 0,
                checked.body,
                user.subject,
                now,
                outside_window=checked.outside_window,
            )
            name = f"{reply.patient.given_name} {reply.patient.family_name}"
            return see_other(request, f"/inbox/{message_id}", flash=f"Text sent to {name}")
        except DomainError as exc:
            # A refused text left nothing behind; a failed send is kept, as failed.
            form.from_domain_error(exc, fallback_field="body")
    return _reply_page(request, db, settings, user, message_id, now, form, 422)


def _reply_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    message_id: int,
    now: NowDep,
    form: FormState,
    status_code: int = 200,
) -> Response:
    reply = inbox.read_reply(db, message_id, user.subject, now)
    db.commit()
    plan = active_plan(settings, db)
    sender = (
        f"{reply.patient.given_name} {reply.patient.family_name}"
        if reply.patient is not None
        else "a number not on file"
    )
    context: dict[str, Any] = {
        "title": f"Reply from {sender}",
        "reply": reply,
        "values": form.values,
        "errors": form.errors,
        "window": plan.sending_window,
        "signature": staff_text_body(settings, "…").removesuffix("…"),
        "max_segments": settings.sms_max_segments,
        # A number not on file has no conversation page: what it was told is shown here.
        "answered": receipts.answer_to(db, message_id) if reply.patient is None else None,
    }
    return render(request, "inbox_reply.html", context, status_code=status_code)
