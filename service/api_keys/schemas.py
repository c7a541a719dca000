"""What the /v1/api-keys routes take and answer (the secret only once, at creation)."""

from datetime import datetime

from pydantic import BaseModel, Field

from service.validation import PlainText


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
