"""Who is calling: every /v1 route names the role it needs in its signature."""

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from service.auth.key_cache import cached_key, remember_key
from service.auth.keys import find_active_key
from service.auth.models import ApiKey
from service.auth.principals import AdminPrincipal, StaffPrincipal, as_admin, staff_principal
from service.auth.throttle import FailedAuthThrottle
from service.config import Settings
from service.deps import NowDep, SessionDep
from service.errors import Forbidden, NotAuthenticated, TooManyAttempts

security_log = logging.getLogger("reminders.security")

_bearer = HTTPBearer(auto_error=False, description="An API key from `reminders api-key create`")


async def current_key(
    request: Request,
    session: SessionDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """Async: a key checked in the last API_KEY_CACHE_SECONDS is trusted without a query
    (service/auth/key_cache.py), so the request reaches its endpoint with one hand-off
    to a worker thread, not two; only a key not seen lately is read, in a thread."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("send 'Authorization: Bearer <api key>'", field="Authorization")
    throttle: FailedAuthThrottle = request.app.state.auth_throttle
    address = request.client.host if request.client else "unknown"
    # A throttled address gets no answer about any key, right or wrong, until it waits.
    wait = throttle.retry_after(address, now)
    if wait is not None:
        raise TooManyAttempts(
            f"too many failed API keys from this address; try again in {wait} s",
            retry_after_seconds=wait,
            field="Authorization",
        )
    settings: Settings = request.app.state.settings
    ttl = settings.api_key_cache_seconds
    database = str(request.app.state.engine.url)
    key = cached_key(database, credentials.credentials, ttl)
    if key is not None:
        return key
    key = await run_in_threadpool(find_active_key, session, credentials.credentials)
    if key is None:
        throttle.record_failure(address, now)
        # A security event, never the key itself (not even its first characters).
        security_log.warning(
            "failed authentication: unknown or revoked API key from %s on %s %s",
            address,
            request.method,
            request.url.path,
        )
        raise NotAuthenticated("the API key is unknown or revoked", field="Authorization")
    remember_key(database, key, ttl)
    return key


# No I/O in these two: async, so they run on the event loop instead of in a thread.
async def staff_key(key: Annotated[ApiKey, Depends(current_key)]) -> StaffPrincipal:
    # Admins can do everything staff can: an admin key comes back as an AdminPrincipal.
    return staff_principal(key)


async def admin_key(principal: Annotated[StaffPrincipal, Depends(staff_key)]) -> AdminPrincipal:
    admin = as_admin(principal)
    if admin is None:
        raise Forbidden("this needs an admin API key", field="Authorization")
    return admin


StaffKey = Annotated[StaffPrincipal, Depends(staff_key)]
AdminKey = Annotated[AdminPrincipal, Depends(admin_key)]
