"""`lms migrate` says what it did, and fails with a message that says what to do next."""

from __future__ import annotations

import pytest

from shared import bootstrap, db_migrations
from shared.cli.main import main


def test_migrate_upgrades_an_empty_database_then_has_nothing_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["migrate"]) == 0
    assert (
        f"Upgraded from an empty database to {db_migrations.head_revision()}."
        in capsys.readouterr().out
    )
    assert main(["migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_migrate_names_an_unreachable_database_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://lms:hunter2@127.0.0.1:1/lms")
    bootstrap.reset()
    assert main(["migrate"]) == 1
    captured = capsys.readouterr()
    assert "cannot use the database at postgresql+pg8000://lms:***@127.0.0.1:1/lms" in captured.err
    assert "hunter2" not in captured.out + captured.err


def test_unsafe_production_settings_stop_the_command_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    bootstrap.reset()
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "Refusing to start" in err
    assert "SECRET_KEY" in err
    assert "SQLite" in err


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_migrate_connects_with_the_tls_the_settings_ask_for(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test server speaks no TLS: a migration that honours DATABASE_SSLMODE=require fails
    # to connect, as one that ignored it would not (Azure refuses plain connections).
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATABASE_SSLMODE", "require")
    bootstrap.reset()
    assert main(["migrate"]) == 1
    assert "cannot use the database" in capsys.readouterr().err


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_migrate_waits_for_a_running_migration_then_says_what_to_do(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import create_engine, pool, text

    monkeypatch.setattr(db_migrations, "MIGRATION_LOCK_WAIT_SECONDS", 0.3)
    holder = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with holder.connect() as other:
            other.execute(text(f"SELECT pg_advisory_lock({db_migrations.MIGRATION_LOCK_KEY})"))
            assert main(["migrate"]) == 1
    finally:
        holder.dispose()
    captured = capsys.readouterr()
    assert "Waiting for another migration to finish" in captured.out
    assert "another migration has held the lock" in captured.err
