"""Migrate once per run, copy per test: every test starts from the schema at head
without paying for the whole chain of migrations again.

SQLite: the migrated file is copied. PostgreSQL: the migrated database is a template;
`fresh_postgres` makes `CREATE DATABASE ... TEMPLATE` of it (a file-level copy in the
server, ~0.3 s), and `reset_postgres` empties the test database back to the same state
by truncating every table (~0.05 s), falling back to a fresh copy whenever the database
no longer looks like the template (a test changed the schema, or ran ANALYZE).
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
    with _connection(template_url) as conn:
        _TEMPLATE_SHAPE[url] = _shape(conn)
        seeded = [t for t in _tables(conn) if conn.execute(f'SELECT 1 FROM "{t}"').fetchone()]
    # Truncating gives the template's rows back only when it has none but its version.
    if seeded != ["alembic_version"]:
        _TEMPLATE_SHAPE.pop(url)


# What a database at head looks like (objects, columns, constraints, triggers, types, the
# migration it is at, whether anything was analysed), per server, once the template is made.
_TEMPLATE_SHAPE: dict[str, str] = {}

_SHAPE = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
  SELECT 'rel:' || c.relname || ':' || c.relkind::text || ':' || count(a.attnum) AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE n.nspname = 'public' GROUP BY c.relname, c.relkind
  UNION ALL SELECT 'con:' || conname FROM pg_constraint k
    JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'trg:' || tgname FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'type:' || typname FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'
  UNION ALL SELECT 'fn:' || proname FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'at:' || version_num FROM alembic_version
  UNION ALL (SELECT 'analysed' FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' LIMIT 1)
) shape
"""


def _connection(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        dbname=parsed.database,
        autocommit=True,
    )


def _tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(name for (name,) in rows)


def _shape(conn: psycopg.Connection) -> str:
    row = conn.execute(_SHAPE).fetchone()
    return row[0] if row else ""


def reset_postgres(url: str) -> None:
    """`url`'s database as `fresh_postgres` leaves it, the cheap way when it can be: every
    table but `alembic_version` truncated and its ids restarted."""
    shape = _TEMPLATE_SHAPE.get(url)
    database = make_url(url).database
    if shape is None:
        fresh_postgres(url)
        return
    try:
        with _admin_connection(url) as admin:
            # Connections a previous test left open would hold TRUNCATE up (and its locks).
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        with _connection(url) as conn:
            if _shape(conn) != shape:
                raise LookupError("the database no longer has the template's shape")
            conn.execute("SET lock_timeout = '5s'")
            tables = ", ".join(f'"{t}"' for t in _tables(conn) if t != "alembic_version")
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    except (psycopg.Error, LookupError):
        fresh_postgres(url)


def fresh_postgres(url: str, *, migrated: bool = True) -> None:
    """Replace `url`'s database with a copy of the template (or an empty one).

    WITH (FORCE) ends connections a previous test left open, so a forgotten pool never
    makes the next test wait."""
    database = make_url(url).database
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        template = f' TEMPLATE "{TEMPLATE}"' if migrated else ""
        conn.execute(f'CREATE DATABASE "{database}"{template}')
