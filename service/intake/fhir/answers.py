"""What every FHIR route answers with: a resource as application/fhir+json, a refusal as an
OperationOutcome naming the element, a search as a `searchset` Bundle; and reading a
request's body as a resource of the kind the route takes."""

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Response
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.domainresource import DomainResource
from pydantic import ValidationError
from sqlmodel import Session

from service.errors import DomainError
from service.intake.fhir.resources import FHIR_JSON, outcome
from service.intake.service import Intake
from service.timeline.active import active_plan

T = TypeVar("T")


def answer(resource: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = resource.model_dump_json(exclude_none=True)
    return Response(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def refused(message: str, expression: str | None, status: int, code: str = "invalid") -> Response:
    return answer(outcome(message, expression, code), status)


def from_domain(exc: DomainError, elements: dict[str, str]) -> Response:
    codes = {404: "not-found", 409: "duplicate", 412: "conflict"}
    return refused(
        exc.message,
        elements.get(exc.field or ""),
        exc.status_code,
        codes.get(exc.status_code, "business-rule"),
    )


def parse_body(model: Callable[..., T], raw: bytes, kind: str) -> T:
    """The body as a FHIR resource; ValidationError names the element (Patient.birthDate)."""
    data = json.loads(raw or b"null")
    if not isinstance(data, dict) or data.get("resourceType") != kind:
        raise ValueError(f"the body must be a FHIR {kind} resource")
    return model(**data)


def invalid_body(exc: Exception, kind: str) -> Response:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        path = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
        return refused(f"{path}: {error['msg']}", f"{kind}.{path}" if path else kind, 400)
    return refused(str(exc) if isinstance(exc, ValueError) else "unreadable body", kind, 400)


def intake_for(session: Session, settings: Any, key: Any, now: datetime) -> Intake:
    return Intake(settings, active_plan(settings, session), "fhir", "fhir", key, now)


def searchset(matches: Iterable[tuple[str, DomainResource]]) -> Bundle:
    """A search's answer: each (fullUrl, resource) found, as a `searchset` Bundle."""
    entries = [
        {"fullUrl": url, "resource": r.model_dump(exclude_none=True), "search": {"mode": "match"}}
        for url, r in matches
    ]
    return Bundle.model_validate(
        {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
    )
