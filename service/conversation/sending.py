"""The SMS gateway the API process sends with (on-call pages, staff's one-off texts).

The worker builds its own; the API builds one on first use from the same settings. A
test (or an embedding app) can set `app.state.sms_gateway` beforehand.
"""

import threading
from typing import Annotated

from fastapi import Depends, Request

from service.delivery.gateway import SmsGateway
from service.delivery.gateways import build_gateway

_lock = threading.Lock()


def api_gateway(request: Request) -> SmsGateway:
    state = request.app.state
    with _lock:
        gateway: SmsGateway | None = getattr(state, "sms_gateway", None)
        if gateway is None:
            gateway = build_gateway(state.settings)
            state.sms_gateway = gateway
    return gateway


GatewayDep = Annotated[SmsGateway, Depends(api_gateway)]
