"""API keys over HTTP (admin only): mint, list, revoke. The CLI mints the first one."""

from fastapi import APIRouter

from service.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from service.api_keys.service import issue_api_key, list_api_keys, revoke_api_key
from service.auth.deps import AdminKey
from service.auth.models import ApiKey
from service.deps import NowDep, ResourceId, SessionDep

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


def _public(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=key.id or 0,
        prefix=key.prefix,
        role=key.role,
        name=key.name,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@router.post("", status_code=201, response_model=ApiKeyCreated)
def create_key(
    body: ApiKeyCreate, session: SessionDep, now: NowDep, key: AdminKey
) -> ApiKeyCreated:
    new, secret = issue_api_key(
        session, key.subject, role=body.role, name=body.name.strip(), now=now
    )
    session.commit()
    return ApiKeyCreated(**_public(new).model_dump(), secret=secret)


@router.get("", response_model=list[ApiKeyPublic])
def list_keys(session: SessionDep, _: AdminKey) -> list[ApiKeyPublic]:
    keys = list_api_keys(session)
    return [_public(k) for k in keys]


@router.delete("/{key_id}", response_model=ApiKeyPublic, responses={404: {}, 409: {}})
def revoke_key(key_id: ResourceId, session: SessionDep, now: NowDep, key: AdminKey) -> ApiKeyPublic:
    """Revoked at once: the next request with it gets 401. Revoking twice is a no-op."""
    target = revoke_api_key(session, key_id, key.subject, now)
    session.commit()
    return _public(target)
