"""Domain failures, each mapped to one HTTP answer in `service.app`."""


class DomainError(Exception):
    """A failure the caller can act on; `field` names the input at fault."""

    status_code = 400

    def __init__(
        self, message: str, *, field: str | None = None, extra: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # More the caller can act on, added to the answer's body (e.g. the existing ids).
        self.extra = extra or {}


class NotFound(DomainError):
    status_code = 404


class InvalidInput(DomainError):
    status_code = 422


class Conflict(DomainError):
    status_code = 409


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class LikelyDuplicate(Conflict):
    """Enrolling would probably create a second record of an enrolled patient."""

    def __init__(self, message: str, *, field: str, existing_patient_ids: list[int]) -> None:
        super().__init__(message, field=field, extra={"existing_patient_ids": existing_patient_ids})
        self.existing_patient_ids = existing_patient_ids


class TooManyAttempts(DomainError):
    """Too many failed attempts from one client; `retry_after_seconds` says how long to wait."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds


class StaleRecord(DomainError):
    """A save made on an older version of a record than the one stored: someone else
    changed it meanwhile. `changed_fields` names what they changed (never the values)."""

    status_code = 412

    def __init__(
        self, message: str, *, current_version: int, changed_fields: list[str], field: str
    ) -> None:
        super().__init__(
            message,
            field=field,
            extra={"current_version": current_version, "changed_fields": changed_fields},
        )
        self.current_version = current_version
        self.changed_fields = changed_fields


class VersionRequired(DomainError):
    """A change sent without the version it was made on (If-Match or expected_version)."""

    status_code = 428
