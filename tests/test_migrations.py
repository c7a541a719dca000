"""Alembic owns the schema: the models and the migrations must describe the same tables."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db import UTCDateTime
from service.models import metadata


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # UTCDateTime is stored as DateTime(timezone=True); compare what the database holds.
    if isinstance(metadata_type, UTCDateTime):
        return not hasattr(inspected_type, "timezone") and context.dialect.name != "sqlite"
    return None


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": _compare_type, "target_metadata": metadata}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrations_run_down_and_up_again(database_url):
    from alembic.config import Config

    from alembic import command
    from tests.conftest import REPO_ROOT, run_migrations

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    command.downgrade(config, "base")
    run_migrations(database_url)
