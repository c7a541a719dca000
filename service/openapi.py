"""What the API documents about its answers: the one error body, examples, list headers.

Every failure is answered by `service.app`'s handlers with `{detail, errors: [{field,
message}]}`; routers pass `problems(...)` as `responses=` so the docs show that body
(not FastAPI's default validation schema) with a realistic example for each status.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str | None = Field(description="The input at fault, e.g. `phone` or `steps[2].at`")
    message: str


class Problem(BaseModel):
    """The body of every 4xx and 5xx answer."""

    detail: str = Field(description="One line for people: each field and what is wrong")
    errors: list[FieldError]


_EXAMPLES: dict[int, tuple[str, str, str]] = {
    401: (
        "The API key is missing, unknown or revoked",
        "Authorization",
        "send 'Authorization: Bearer <api key>'",
    ),
    403: ("The key's role may not do this", "Authorization", "this needs an admin API key"),
    404: ("Nothing has that id", "patient_id", "no patient with id 999"),
    409: (
        "It conflicts with what is stored",
        "phone",
        "patient 12 has the same phone and family name; send allow_duplicate: true to "
        "enroll another patient anyway",
    ),
    412: (
        "Someone changed the record since the version sent; nothing was changed",
        "expected_version",
        "patient 12 was changed since version 3 (phone, language): read it again",
    ),
    428: (
        "A change must say which version it was made on",
        "expected_version",
        'send If-Match: "<version>" or expected_version',
    ),
    422: (
        "The request is not valid; nothing was changed",
        "timezone",
        "'Mars/Olympus_Mons' is not an IANA time zone such as 'America/Chicago'",
    ),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route or router: each status with the real error body."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, field, message = _EXAMPLES[status]
        out[status] = {
            "model": Problem,
            "description": description,
            "content": {
                "application/json": {
                    "example": {
                        "detail": f"{field}: {message}",
                        "errors": [{"field": field, "message": message}],
                    }
                }
            },
        }
    return out


# Most routes read or change one thing by id and take input: these are their failures.
COMMON_PROBLEMS = problems(401, 404, 422)

LIST_HEADERS = {
    "X-Total-Count": {
        "description": "How many items match in all",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'The next page, e.g. `</v1/patients?q=lop&limit=50&offset=50>; rel="next"` '
        "(absent on the last page)",
        "schema": {"type": "string"},
    },
}


# A list paged by cursor (the audit) says only where the next page is: no count.
NEXT_LINK_HEADER = {"Link": LIST_HEADERS["Link"]}


def page_headers(
    response: Response,
    path: str,
    params: Mapping[str, object],
    total: int,
    next_offset: int | None,
) -> None:
    """Sets `X-Total-Count` and, when more follow, a `Link: <...>; rel="next"` header."""
    response.headers["X-Total-Count"] = str(total)
    if next_offset is not None:
        next_link(response, path, {**params, "offset": next_offset})


def next_link(response: Response, path: str, params: Mapping[str, object]) -> None:
    """Sets `Link: <path?params>; rel="next"` (parameters that are None left out)."""
    query = urlencode(
        {
            k: v.isoformat() if isinstance(v, datetime) else str(v)
            for k, v in params.items()
            if v is not None
        }
    )
    response.headers["Link"] = f'<{path}?{query}>; rel="next"'


def install_openapi(app: FastAPI) -> None:
    """Document the real 422 body on every operation that can answer it, including the
    routes whose routers do not pass `problems(422)` (FastAPI would otherwise show its
    own `{detail: [{loc, msg, type}]}`, which this API never sends)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model_schema in _problem_schemas().items():
            components.setdefault(name, model_schema)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if status[0] in "45":
                        _document_problem(int(status), response)
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_problem(status: int, response: dict[str, Any]) -> None:
    """An error response declared without a body (`{404: {}}`) or with FastAPI's
    validation schema gets the real one."""
    content = response.setdefault("content", {}).setdefault("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    if ref and not ref.endswith("/HTTPValidationError"):
        return
    content["schema"] = {"$ref": "#/components/schemas/Problem"}
    if status in _EXAMPLES:
        known = problems(status)[status]
        content["example"] = known["content"]["application/json"]["example"]
        if response.get("description") in (None, "", "Validation Error", "Additional Response"):
            response["description"] = known["description"]


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schema.pop("$defs", {})
    return {"Problem": schema, **nested}
