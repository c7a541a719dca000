"""The throwaway PostgreSQL harness starts a real server, supports what the scheduler
needs (FOR UPDATE SKIP LOCKED), and leaves nothing behind."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from tests.support.ci import in_ci
from tests.support.postgres import postgres_available, reset_database, throwaway_postgres
from tests.support.schema import alembic_config, reset_postgres


def _require_postgres() -> None:
    ok, reason = postgres_available()
    if ok:
        return
    # CI must exercise the real database; a silent skip there would hide a broken image.
    if in_ci():
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.mark.postgres
def test_throwaway_postgres_lifecycle() -> None:
    _require_postgres()

    with throwaway_postgres() as url:
        parsed = make_url(url)
        assert parsed.drivername == "postgresql+psycopg"
        assert parsed.host == "127.0.0.1"
        assert parsed.database == "reminders"
        port = parsed.port
        assert port is not None

        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                assert "PostgreSQL" in conn.execute(text("select version()")).scalar_one()
                data_dir = Path(conn.execute(text("show data_directory")).scalar_one())
            assert data_dir.is_dir()

            with engine.begin() as conn:
                conn.execute(text("create table jobs (id int primary key)"))
                conn.execute(text("insert into jobs values (1)"))

            with engine.connect() as locker, engine.connect() as worker:
                locker.begin()
                locked = locker.execute(text("select id from jobs for update")).scalars().all()
                assert locked == [1]

                worker.begin()
                skipped = worker.execute(text("select id from jobs for update skip locked"))
                assert skipped.scalars().all() == []
                worker.rollback()

                locker.rollback()
                worker.begin()
                freed = worker.execute(text("select id from jobs for update skip locked"))
                assert freed.scalars().all() == [1]
                worker.rollback()
        finally:
            engine.dispose()

        reset_database(url)
        check = create_engine(url)
        try:
            with check.connect() as conn:
                assert conn.execute(text("select to_regclass('public.jobs')")).scalar() is None
        finally:
            check.dispose()

    assert not data_dir.exists()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


@pytest.mark.postgres
def test_a_reset_database_is_empty_at_head_and_a_changed_one_is_copied_afresh(postgres_url):
    """`reset_postgres` (every database test's start) truncates where it can: rows gone, ids
    restarted, a held transaction ended; a database whose shape a test changed is copied
    from the template again instead."""
    enroll = text(
        "INSERT INTO patient (given_name, family_name, phone, timezone, language,"
        " sms_consent, consent_recorded_at, created_at) VALUES ('Ana', 'Ruiz',"
        " '+12125550143', 'America/New_York', 'en', true, now(), now()) RETURNING id"
    )
    engine = create_engine(postgres_url, poolclass=NullPool)  # a reset ends connections
    try:
        reset_postgres(postgres_url)
        with engine.begin() as conn:
            conn.execute(enroll)
            conn.execute(text("CREATE TABLE note (id int)"))
        held = engine.connect()
        held.execute(text("SELECT count(*) FROM patient")).scalar_one()  # left open
        reset_postgres(postgres_url)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT to_regclass('note')")).scalar() is None
            assert conn.execute(enroll).scalar_one() == 1
        reset_postgres(postgres_url)  # this time by truncating
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM patient")).scalar_one() == 0
            assert conn.execute(enroll).scalar_one() == 1
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        head = ScriptDirectory.from_config(alembic_config(postgres_url)).get_current_head()
        assert version == head
    finally:
        engine.dispose()
