"""Whether the database a command is about to use has been migrated, said plainly.

A command run before `reminders migrate` (or against another database than the
server's) would fail deep inside with "no such table"; worse, SQLite would leave an
empty file behind that looks like a database. This looks first and changes nothing.
"""

from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from service.config import Settings

SQLITE_PREFIX = "sqlite:///"


def database_not_ready(settings: Settings) -> str | None:
    """None when the database is migrated; else what is wrong and what to do."""
    url = settings.database_url
    shown = settings.database_url_for_display
    migrate = "run `reminders migrate` first, or set DATABASE_URL to the server's database"
    if url.startswith(SQLITE_PREFIX):
        path = Path(url[len(SQLITE_PREFIX) :].split("?", 1)[0])
        if str(path) not in ("", ":memory:") and not path.exists():
            return f"there is no database at {path} ({shown}): {migrate}"
    # A plain engine: the service's own would create the SQLite file it looks for.
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            migrated = inspect(connection).has_table("alembic_version")
    except SQLAlchemyError as exc:
        return f"cannot open the database {shown}: {type(exc).__name__}"
    finally:
        engine.dispose()
    if not migrated:
        return f"the database {shown} has no tables yet: {migrate}"
    return None
