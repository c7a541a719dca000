"""Who is calling: every /v1 route names the role it needs in its signature."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.auth.keys import find_active_key
from service.auth.models import ApiKey, Role
from service.deps import SessionDep
from service.errors import Forbidden, NotAuthenticated

_bearer = HTTPBearer(auto_error=False, description="An API key from `reminders api-key create`")


def current_key(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("send 'Authorization: Bearer <api key>'", field="Authorization")
    key = find_active_key(session, credentials.credentials)
    if key is None:
        raise NotAuthenticated("the API key is unknown or revoked", field="Authorization")
    return key


# No I/O in these two: async, so they run on the event loop instead of in a thread.
async def staff_key(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
    # Admins can do everything staff can.
    return key


async def admin_key(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
    if key.role != Role.admin:
        raise Forbidden("this needs an admin API key", field="Authorization")
    return key


StaffKey = Annotated[ApiKey, Depends(staff_key)]
AdminKey = Annotated[ApiKey, Depends(admin_key)]
