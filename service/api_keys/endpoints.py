"""API keys over HTTP (admin only): mint, list, revoke. The CLI mints the first one."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import col, select

from service.api_keys.service import issue_api_key, revoke_api_key
from service.auth.deps import AdminKey
from service.auth.models import ApiKey
from service.deps import NowDep, ResourceId, SessionDep
from service.validation import PlainText

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


class ApiKeyCreate(BaseModel):
    role: str = Field(description="staff or admin")
    name: PlainText = Field(min_length=1, max_length=200, description="Who or what uses the key")


class ApiKeyPublic(BaseModel):
    id: int
    prefix: str
    role: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="Shown this once; only its hash is stored")


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
    new, secret = issue_api_key(session, key, role=body.role, name=body.name.strip(), now=now)
    session.commit()
    return ApiKeyCreated(**_public(new).model_dump(), secret=secret)


@router.get("", response_model=list[ApiKeyPublic])
def list_keys(session: SessionDep, _: AdminKey) -> list[ApiKeyPublic]:
    keys = session.exec(select(ApiKey).order_by(col(ApiKey.id)))
    return [_public(k) for k in keys]


@router.delete("/{key_id}", response_model=ApiKeyPublic, responses={404: {}, 409: {}})
def revoke_key(key_id: ResourceId, session: SessionDep, now: NowDep, key: AdminKey) -> ApiKeyPublic:
    """Revoked at once: the next request with it gets 401. Revoking twice is a no-op."""
    target = revoke_api_key(session, key_id, key, now)
    session.commit()
    return _public(target)
