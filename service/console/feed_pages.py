"""/feeds (admin): the HL7 feed as an interface analyst checks it: messages received per
type, and the last 50 with their result, refusals first (no PHI; a link to the patient)."""

from fastapi import Request
from fastapi.responses import Response

from service.console.deps import ConsoleAdmin
from service.console.rendering import render
from service.console.routing import console_router
from service.deps import SessionDep, SettingsDep
from service.intake.log import counts_by_type, latest

router = console_router()


@router.get("/feeds")
def feeds_page(
    request: Request, admin: ConsoleAdmin, db: SessionDep, settings: SettingsDep
) -> Response:
    return render(
        request,
        "feeds.html",
        {
            "counts": counts_by_type(db),
            "messages": latest(db),
            "listening": settings.hl7_mllp_port,
            "consent_mode": settings.intake_sms_consent,
        },
    )
