"""Schema migrations: the only way the schema changes (`lms migrate`, tests, deployments)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, pool
from sqlalchemy.engine import make_url

CONNECT_TIMEOUT_SECONDS = 10
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' would be read as interpolation by configparser (URL-encoded passwords have it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _engine(url: str) -> Engine:
    connect_args = {} if url.startswith("sqlite") else {"timeout": CONNECT_TIMEOUT_SECONDS}
    # Parameters stay out of error messages, which reach logs (shared/db.py does the same).
    return create_engine(
        url, poolclass=pool.NullPool, connect_args=connect_args, hide_parameters=True
    )


def current_revision(url: str) -> str | None:
    _ensure_sqlite_folder(url)
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations up to `revision`; return the revisions before and after."""
    before = current_revision(url)
    command.upgrade(alembic_config(url), revision)
    return before, current_revision(url)


def downgrade(url: str, revision: str) -> tuple[str | None, str | None]:
    before = current_revision(url)
    command.downgrade(alembic_config(url), revision)
    return before, current_revision(url)
