"""/audit (admin): who changed or looked at what, when; filter by patient, person and dates."""

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from service.audit.repository import find_entries
from service.console.deps import ConsoleAdmin
from service.console.forms import FormState
from service.console.rendering import render
from service.console.routing import console_router
from service.deps import SessionDep, SettingsDep
from service.errors import InvalidInput
from service.patients.search import names_by_id
from service.timeline.local_time import local_instant
from service.users.service import list_users
from service.validation import record_id

router = console_router()

PAGE_SIZE = 200


@router.get("/audit")
def audit_page(
    request: Request,
    admin: ConsoleAdmin,
    db: SessionDep,
    settings: SettingsDep,
    patient_id: str = "",
    person: str = "",
    since: str = "",
    until: str = "",
    cursor: str = "",
) -> Response:
    """Dates are whole days in the clinic's zone; `until` is inclusive. `cursor` (from the
    "Older entries" link) is where the previous page ended."""
    form = FormState(
        values={"patient_id": patient_id, "person": person, "since": since, "until": until}
    )
    people = list_users(db)
    user_id: int | None = None
    if person.strip():
        user_id = record_id(person)
        if user_id not in {u.id for u in people}:
            user_id = None
            form.error("person", "Choose a person from the list")
    patient: int | None = None
    if patient_id.strip():
        patient = record_id(patient_id)
        if patient is None:
            form.error("patient_id", "Patient number must be a whole number, like 42")
    first, last = form.days()
    older_from: int | None = None
    if cursor.strip():
        older_from = record_id(cursor)
        if older_from is None:
            form.error("cursor", "That page of older entries does not exist: start again")
    entries = []
    next_cursor: int | None = None
    if form.ok:
        zone = settings.clinic_zone
        try:
            page = find_entries(
                db,
                patient_id=patient,
                user_id=user_id,
                since=local_instant(first, datetime.min.time(), zone) if first else None,
                until=local_instant(last + timedelta(days=1), datetime.min.time(), zone)
                if last
                else None,
                limit=PAGE_SIZE,
                cursor=older_from,
            )
            entries, next_cursor = page.entries, page.next_cursor
        except InvalidInput:
            form.error("cursor", "That page of older entries does not exist: start again")
    rows = [
        {
            "entry": e,
            "fields": ", ".join(json.loads(e.changes).get("fields", [])),
            "by_person": e.actor_user_id is not None,
        }
        for e in entries
    ]
    context = {
        "title": "Audit",
        "rows": rows,
        # Admins read who the entry is about by name (the entries keep only the number).
        "patient_names": names_by_id(db, [e.patient_id for e in entries if e.patient_id]),
        "values": form.values,
        "people": [("", "Anyone"), *((str(u.id), f"{u.name} ({u.email})") for u in people)],
        "errors": form.errors,
        "filtered": any(v.strip() for v in form.values.values()),
        "paged": older_from is not None,
        # The same filter, starting after the last entry shown.
        "older_link": f"/audit?{urlencode({**form.values, 'cursor': next_cursor})}"
        if next_cursor is not None
        else None,
    }
    return render(request, "audit.html", context, status_code=200 if form.ok else 422)
