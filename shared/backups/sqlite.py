"""SQLite backups with SQLite's online backup API: a consistent copy while the local host
keeps writing (WAL), and a restore that replaces the live database's pages in one step."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from shared.backups.database import counts_and_revision

PAGES_PER_STEP = 1024
BUSY_TIMEOUT_SECONDS = 15


def database_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database)


def copy(source: Path, target: Path, on_progress: Callable[[int, int], None] | None = None) -> None:
    """Copy the database at `source` to `target` page by page, as other connections write."""
    if not source.is_file():
        raise FileNotFoundError(f"no SQLite database at {source}")

    def progress(_status: int, remaining: int, total: int) -> None:
        if on_progress is not None:
            on_progress(total - remaining, total)

    with (
        closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst, pages=PAGES_PER_STEP, progress=progress)


def dump(url: str, target: Path) -> tuple[dict[str, int], str | None]:
    """Back up the database of `url` into `target`; return the copy's row counts and revision,
    read from the copy itself, so they describe exactly what was saved."""
    copy(database_path(url), target)
    return counts_and_revision(f"sqlite:///{target}")


def restore(backup_file: Path, url: str) -> None:
    """Write the backup's pages over the database of `url` (created if missing)."""
    path = database_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    copy(backup_file, path)
