"""Alembic owns the schema: the models and the migrations must describe the same tables,
and every migration must undo cleanly, so a downgrade then an upgrade lands on head again."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from alembic import command
from service.db import UTCDateTime, make_engine
from service.models import metadata
from tests.support.schema import alembic_config, run_migrations


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # UTCDateTime is stored as DateTime(timezone=True); compare what the database holds.
    if isinstance(metadata_type, UTCDateTime):
        return not hasattr(inspected_type, "timezone") and context.dialect.name != "sqlite"
    return None


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table as the database describes it: columns, keys, indexes and constraints."""
    if engine.dialect.name == "sqlite":
        # SQLite keeps each object's CREATE statement, expression indexes included (the
        # inspector skips those), so the statements are the schema. A table rebuilt by a
        # batch migration may list its clauses in another order: compare them as a set.
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT type, name, sql FROM sqlite_master"))
            return {
                name: (kind, sorted(line.strip().rstrip(",") for line in (sql or "").splitlines()))
                for kind, name, sql in rows
                if not name.startswith("sqlite_")
            }
    inspector = inspect(engine)
    tables: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (
                    ix["name"],
                    tuple(str(c) for c in ix["column_names"]),
                    tuple(ix.get("expressions") or ()),
                    bool(ix["unique"]),
                )
                for ix in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(c["sqltext"] for c in inspector.get_check_constraints(table)),
        }
    return tables


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": _compare_type, "target_metadata": metadata}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_migration_undoes_cleanly_and_head_is_reached_again(database_url):
    engine = make_engine(database_url)
    try:
        at_head = schema_of(engine)
        command.downgrade(alembic_config(database_url), "base")
        left = set(schema_of(engine)) - {"alembic_version"}
        assert left == set(), f"the downgrade left these behind: {sorted(left)}"
        run_migrations(database_url)
        assert schema_of(engine) == at_head
    finally:
        engine.dispose()
