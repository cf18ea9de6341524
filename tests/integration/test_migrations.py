"""The schema comes from the migrations alone, and they agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool, text

from shared import db_migrations
from shared.domain.models import Base
from shared.version import SCHEMA_REVISION

pytestmark = pytest.mark.postgres


def test_migrations_reach_head(database_url: str) -> None:
    assert db_migrations.current_revision(database_url) == db_migrations.head_revision()


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], f"write a migration for: {differences}"


def test_every_migration_downgrades_and_upgrades_again(database_url: str) -> None:
    db_migrations.downgrade(database_url, "base")
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    before, after = db_migrations.upgrade(database_url)
    assert before is None
    assert after == db_migrations.head_revision()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_rate_limit_counters_write_no_wal_on_postgresql(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            persistence = connection.execute(
                text("SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_counters'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert persistence == "u"  # unlogged (migration 0008)


def test_the_code_names_the_head_revision_its_readiness_check_expects() -> None:
    assert db_migrations.head_revision() == SCHEMA_REVISION, (
        "a migration was added: set shared/version.py SCHEMA_REVISION to its revision"
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_migration_waits_for_the_one_holding_the_lock_then_gives_up(database_url: str) -> None:
    holder = create_engine(database_url, poolclass=pool.NullPool)
    waits: list[bool] = []
    try:
        with holder.connect() as other:
            other.execute(
                text("SELECT pg_advisory_lock(:key)"),
                {"key": db_migrations.MIGRATION_LOCK_KEY},
            )
            with pytest.raises(db_migrations.MigrationLockTimeoutError, match="lms migrate"):
                db_migrations.upgrade(
                    database_url, lock_wait_seconds=0.3, on_wait=lambda: waits.append(True)
                )
            other.execute(
                text("SELECT pg_advisory_unlock(:key)"),
                {"key": db_migrations.MIGRATION_LOCK_KEY},
            )
        before, after = db_migrations.upgrade(database_url, lock_wait_seconds=0.3)
    finally:
        holder.dispose()
    assert waits == [True]
    assert before == after == db_migrations.head_revision()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_migration_releases_the_lock_when_it_is_done(database_url: str) -> None:
    db_migrations.upgrade(database_url)
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            held = connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :low"),
                {"low": db_migrations.MIGRATION_LOCK_KEY & 0xFFFFFFFF},
            ).scalar_one()
    finally:
        engine.dispose()
    assert held == 0
