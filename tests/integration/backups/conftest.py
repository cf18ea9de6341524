"""Databases of their own for the backup tests: a source with demo data, and empty targets.

Every test here runs on SQLite and on the PostgreSQL at TEST_POSTGRES_URL: backups are
made and restored with the real pg_dump, pg_restore and psql of that server's version, and
each PostgreSQL database is created for the test and dropped after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from shared import bootstrap, db_migrations
from shared.services.demo import seed

DEMO_STUDENT = ("student@example.com", "StudentPass123")

NewDatabase = Callable[..., str]


@pytest.fixture
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """`new_database(kind, revision="head" | None)`: the URL of a new database, migrated to
    `revision` (None: empty), dropped at teardown."""
    created: list[str] = []
    server_url: str | None = None

    def make(kind: str, revision: str | None = "head") -> str:
        nonlocal server_url
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path}/{uuid.uuid4().hex[:8]}.db"
        else:
            server_url = request.getfixturevalue("postgres_server_url")
            name = f"lms_backup_test_{uuid.uuid4().hex[:10]}"
            admin = create_engine(server_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            created.append(name)
            url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        if revision is not None:
            db_migrations.upgrade(url, revision)
        return url

    yield make
    bootstrap.reset()
    if created and server_url:
        admin = create_engine(server_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def source(
    kind: str, new_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """A database with the demo data (accounts, courses, enrollments); DATABASE_URL points at
    it and BACKUP_DIR is the test's own folder."""
    url = new_database(kind)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    bootstrap.reset()
    seed(bootstrap.current(), lambda _line: None)
    bootstrap.reset()
    return url
