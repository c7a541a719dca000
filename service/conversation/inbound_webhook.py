"""A patient's reply, posted by Twilio: a thin adapter over `replies.receive_text`."""

from fastapi import APIRouter, BackgroundTasks, Request, Response

from service.conversation.inbound_text import media_count
from service.conversation.replies import receive_text
from service.conversation.sending import api_gateway
from service.conversation.urgent_follow_up import urgent_follow_ups
from service.deps import NowDep, SessionDep, SettingsDep
from service.messaging.twilio_signature import SignedForm, twiml
from service.timeline.active import active_plan

router = APIRouter(prefix="/v1/twilio", tags=["twilio webhooks"])


@router.post("/inbound", response_class=Response)
def inbound_text(
    form: SignedForm,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    background: BackgroundTasks,
) -> Response:
    """A patient's reply: STOP/START/HELP (and ALTO/COMENZAR/AYUDA), C to confirm a
    visit, or words for the clinic; answered by TwiML in the patient's language. Every
    text is kept, from a number on file or not; if it cannot be kept (the database is
    down) the answer is 503 and Twilio's retry, or the worker's catch-up, takes it in."""
    outcome = receive_text(
        session,
        settings,
        active_plan(settings, session),
        raw_body=form.get("Body") or "",
        raw_from=form.get("From") or "",
        raw_sid=form.get("MessageSid") or form.get("SmsSid"),
        now=now,
        media_count=media_count(form.get("NumMedia")),
    )
    # Committed before Twilio hears back: an answer means the reply is kept.
    session.commit()
    if outcome.urgent_message_id is not None:
        gateway = api_gateway(request)
        for task in urgent_follow_ups(outcome, settings, request.app.state.engine, gateway, now):
            background.add_task(task)
    return twiml(outcome.answer)
