"""What a form page needs between a failed POST and its re-rendering: the values typed
and one message per field, shown in the error summary and beside the field."""

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from service.console.formatting import sentence, staff_words
from service.errors import DomainError


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    # field name -> message, in the order the fields appear on the page.
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        """Keep the first message for a field: the one to fix first."""
        self.errors.setdefault(name, sentence(message))

    def require(self, name: str, message: str) -> str:
        value = self.values.get(name, "").strip()
        if not value:
            self.error(name, message)
        return value

    def from_domain_error(self, exc: DomainError, fallback_field: str) -> None:
        """A domain error names its field; show it there (or on `fallback_field`)."""
        name = exc.field if exc.field and exc.field in self.values else fallback_field
        self.error(name, staff_words(exc.message))

    def days(self) -> tuple[date | None, date | None]:
        """A filter's From and To days (`since`, `until`; To included): each a real date
        or empty, and To not before From."""
        first, last = self._day("since", "From"), self._day("until", "To")
        if first and last and last < first:
            self.error("until", "To must be the same day as From or later")
        return first, last

    def _day(self, name: str, label: str) -> date | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.error(name, f"{label} must be a real date, like 2027-03-01")
            return None

    @property
    def ok(self) -> bool:
        return not self.errors


async def _whole_form(request: Request) -> dict[str, str]:
    # For forms whose field names are data (a plan's steps, a question's languages): read
    # as a whole rather than declared one by one; the CSRF token is checked elsewhere.
    posted = await request.form()
    return {k: str(v) for k, v in posted.items() if k != "csrf_token"}


# Every posted field as text, but the CSRF token.
WholeForm = Annotated[dict[str, str], Depends(_whole_form)]
