"""How a Twilio webhook proves it is Twilio.

Twilio calls our webhooks, so they carry no API key; their authentication is the
`X-Twilio-Signature` header, an HMAC of the URL Twilio called (PUBLIC_BASE_URL + path)
and the form fields, keyed with TWILIO_AUTH_TOKEN. A request without a valid signature
is refused (403) before anything is read or written.
"""

import logging
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from service.deps import SettingsDep
from service.errors import DomainError, Forbidden

log = logging.getLogger("reminders.webhooks")

SIGNATURE_HEADER = "X-Twilio-Signature"


class TwilioNotConfigured(DomainError):
    status_code = 503


async def signed_form(request: Request, settings: SettingsDep) -> ImmutableMultiDict[str, str]:
    """The posted form fields, once the Twilio signature over them checks out."""
    if not settings.twilio_auth_token or not settings.public_base_url:
        raise TwilioNotConfigured(
            "Twilio webhooks are not configured: set TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL "
            "(unsigned posts are never accepted)"
        )
    raw = (await request.body()).decode("utf-8", errors="replace")
    form = ImmutableMultiDict(parse_qsl(raw, keep_blank_values=True))
    # Sign against the public URL Twilio was given, not whatever host a proxy forwards.
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get(SIGNATURE_HEADER)
    validator = RequestValidator(settings.twilio_auth_token)
    if not signature or not validator.validate(url, form, signature):
        log.warning("twilio webhook refused: missing or invalid signature on %s", request.url.path)
        raise Forbidden(f"missing or invalid {SIGNATURE_HEADER}", field=SIGNATURE_HEADER)
    return form


SignedForm = Annotated[ImmutableMultiDict[str, str], Depends(signed_form)]


def twiml(reply: str | None = None) -> Response:
    """The TwiML answer to a webhook: empty, or one text back to the sender."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(content=str(response), media_type="application/xml")
