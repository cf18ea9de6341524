"""Fixtures every test may use: an isolated environment, and real databases.

PostgreSQL is not optional: when TEST_POSTGRES_URL (default: the server on 127.0.0.1:5432)
does not answer, the tests that need it fail with a message saying how to start it. Each run
gets its own database, created here and dropped at the end, so runs never see each other.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

from shared import bootstrap, db_migrations
from shared.bootstrap import Dependencies
from tests.clock import ManualClock

DEFAULT_POSTGRES_URL = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"
REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped test is a component that did not run; that must not pass quietly.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run in CI", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts from the local defaults, in its own folder, with fresh settings."""
    for name in list(os.environ):
        if name in _SETTING_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/lms.db")
    monkeypatch.setenv("LOCAL_STORAGE_DIR", str(tmp_path / "files"))
    # The readiness check creates the Maildir: never the default .lms/mail of the checkout.
    monkeypatch.setenv("MAILDIR_PATH", str(tmp_path / "mail"))
    # The test profile: the cheapest argon2id, so a sign-in costs microseconds, not 100 ms.
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "8")
    monkeypatch.setenv("PASSWORD_HASH_PARALLELISM", "1")
    bootstrap.reset()
    yield
    bootstrap.reset()


def _setting_names() -> frozenset[str]:
    from shared.config import Settings

    return frozenset(Settings.model_fields)


_SETTING_NAMES = _setting_names()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL at {make_url(url).render_as_string(hide_password=True)} is unreachable "
            f"({type(exc).__name__}: {exc}). Start it (on Debian: pg_ctlcluster "
            "--skip-systemctl-redirect $(ls /etc/postgresql) main start) or set "
            "TEST_POSTGRES_URL to a server the tests may create databases on.",
            pytrace=False,
        )
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_database(postgres_server_url: str) -> Iterator[str]:
    """A database of its own for this test run, migrated to head, dropped at the end."""
    name = f"lms_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        postgres_server_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    try:
        db_migrations.upgrade(url)
        yield url
    finally:
        bootstrap.reset()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`database_url` is SQLite, plus PostgreSQL for tests marked `postgres` (locks, SKIP
    LOCKED, upserts, races, statement counts) or for every test when TEST_DATABASES=all."""
    if "database_url" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if "database_url" in (names.split(",") if isinstance(names, str) else names):
            return
    everywhere = os.environ.get("TEST_DATABASES", "").strip().lower() == "all"
    on_postgres = everywhere or metafunc.definition.get_closest_marker("postgres") is not None
    names = ["sqlite", "postgresql"] if on_postgres else ["sqlite"]
    metafunc.parametrize("database_url", names, indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated to head once per test process, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    db_migrations.upgrade(f"sqlite:///{path}")
    return path


_POSTGRES_TABLES: dict[str, list[str]] = {}


def _truncate_all(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        if url not in _POSTGRES_TABLES:
            names = inspect(engine).get_table_names()
            _POSTGRES_TABLES[url] = [t for t in names if t != "alembic_version"]
        quoted = ", ".join(f'"{t}"' for t in _POSTGRES_TABLES[url])
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """A migrated, empty database (see pytest_generate_tests for which); DATABASE_URL set."""
    if request.param == "sqlite":
        path = tmp_path / "migrated.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
    monkeypatch.setenv("DATABASE_URL", url)
    bootstrap.reset()
    yield url
    bootstrap.reset()
    if request.param == "postgresql":
        _truncate_all(url)


@pytest.fixture
def install_dependencies(request: pytest.FixtureRequest) -> Callable[..., Dependencies]:
    """Install dependencies built from the test's settings with overrides (clock=, shuffler=),
    after the test's database, so the code under test uses them: no module is patched."""
    if "database_url" in request.fixturenames:
        request.getfixturevalue("database_url")

    def install(**overrides: object) -> Dependencies:
        return bootstrap.install(bootstrap.build(**overrides))

    return install


@pytest.fixture
def clock(install_dependencies: Callable[..., Dependencies]) -> ManualClock:
    """A clock the test moves by hand, starting now, read by everything the test calls."""
    manual = ManualClock()
    install_dependencies(clock=manual)
    return manual
