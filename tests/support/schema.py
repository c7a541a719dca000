"""Migrate once per run, copy per test: every test starts from the schema at head
without paying for the whole chain of migrations again.

SQLite: the migrated file is copied. PostgreSQL: the migrated database is a template and
each test gets `CREATE DATABASE ... TEMPLATE` of it (a file-level copy in the server).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic import command

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "reminders_at_head"


def alembic_config(url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


def run_migrations(url: str) -> None:
    """Every migration up to head, the way `reminders migrate` runs them."""
    command.upgrade(alembic_config(url), "head")


def migrated_sqlite_file(directory: Path) -> Path:
    """A SQLite file at head, made once; `copy_sqlite` hands out copies."""
    path = directory / "at-head.db"
    run_migrations(f"sqlite:///{path}")
    return path


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _admin_connection(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        dbname="postgres",
        autocommit=True,
    )


def make_postgres_template(url: str) -> None:
    """Migrate a database beside `url`'s to head, to be cloned by `fresh_postgres`."""
    template_url = make_url(url).set(database=TEMPLATE).render_as_string(hide_password=False)
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    run_migrations(template_url)


def fresh_postgres(url: str, *, migrated: bool = True) -> None:
    """Replace `url`'s database with a copy of the template (or an empty one).

    WITH (FORCE) ends connections a previous test left open, so a forgotten pool never
    makes the next test wait."""
    database = make_url(url).database
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        template = f' TEMPLATE "{TEMPLATE}"' if migrated else ""
        conn.execute(f'CREATE DATABASE "{database}"{template}')
