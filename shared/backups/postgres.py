"""PostgreSQL backups with the server's own tools: pg_dump (custom format) in the snapshot
the row counts were taken in, and a restore that replaces the schema in one transaction."""

from __future__ import annotations

import contextlib
import re
import ssl
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.backups.database import (
    CONNECT_TIMEOUT_SECONDS,
    open_engine,
    row_counts,
    schema_revision,
)
from shared.backups.pg_tools import Tool, find_tool, libpq_environment

COPY_BYTES = 1024 * 1024
DUMPING = re.compile(r'dumping contents of table "(?:[^"]+\.)?([^"]+)"')
COPY_LINE = re.compile(rb"^COPY (?:\w+\.)?\"?(\w+)\"? ", re.MULTILINE)

# Everything the app's migrations create in its schema, dropped first in the restore's own
# transaction: a table the backup does not have (a later migration's) must not survive it.
CLEAR_SCHEMA = """
DO $clear$
DECLARE item record;
BEGIN
  FOR item IN
    SELECT format('DROP VIEW IF EXISTS %I.%I CASCADE', schemaname, viewname) AS stmt
      FROM pg_views WHERE schemaname = current_schema()
    UNION ALL
    SELECT format('DROP MATERIALIZED VIEW IF EXISTS %I.%I CASCADE', schemaname, matviewname)
      FROM pg_matviews WHERE schemaname = current_schema()
    UNION ALL
    SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', schemaname, tablename)
      FROM pg_tables WHERE schemaname = current_schema()
    UNION ALL
    SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', schemaname, sequencename)
      FROM pg_sequences WHERE schemaname = current_schema()
    UNION ALL
    SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd')
  LOOP
    EXECUTE item.stmt;
  END LOOP;
END
$clear$;
"""


class PostgresToolError(RuntimeError):
    """pg_dump, pg_restore or psql failed; the message carries the end of what it said."""


@dataclass(frozen=True)
class Connection:
    """How to reach one PostgreSQL database, for SQLAlchemy and for the libpq programs."""

    url: str
    tls: ssl.SSLContext | bool
    tls_mode: str
    root_cert: str | None

    def environment(self) -> dict[str, str]:
        return libpq_environment(self.url, self.tls_mode, self.root_cert)

    def with_database(self, name: str) -> Connection:
        url = make_url(self.url).set(database=name).render_as_string(hide_password=False)
        return Connection(url, self.tls, self.tls_mode, self.root_cert)

    @property
    def database(self) -> str:
        return str(make_url(self.url).database)


@dataclass(frozen=True)
class DumpResult:
    server_version: str
    schema_revision: str | None
    row_counts: dict[str, int]


def server_major(connection: Connection) -> tuple[int, str]:
    engine = open_engine(connection.url, connection.tls, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        with engine.connect() as db:
            number = int(db.execute(text("SHOW server_version_num")).scalar_one())
            shown = str(db.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()
    return number // 10000, shown.split()[0]


def dump(connection: Connection, target: Path, on_table: Callable[[str], None]) -> DumpResult:
    """pg_dump into `target`, with the row counts of the very snapshot it dumps.

    The counts are taken in a REPEATABLE READ transaction whose snapshot pg_dump imports
    (--snapshot), so a drill can compare them with the restored rows exactly, however busy
    the database was. (Through PgBouncer's transaction pooling the exported snapshot is lost:
    point the backup at port 5432.)"""
    major, shown = server_major(connection)
    pg_dump = find_tool("pg_dump", major)
    engine = open_engine(connection.url, connection.tls)
    try:
        with engine.connect() as db:
            db = db.execution_options(isolation_level="REPEATABLE READ")
            db.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = str(db.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            counts = row_counts(db)
            revision = schema_revision(db)
            _run(
                pg_dump,
                [
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--verbose",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                connection.environment(),
                on_line=lambda line: _report_table(line, on_table),
            )
            db.rollback()
    finally:
        engine.dispose()
    return DumpResult(shown, revision, counts)


def _report_table(line: str, on_table: Callable[[str], None]) -> None:
    match = DUMPING.search(line)
    if match:
        on_table(match.group(1))


def _run(tool: Tool, args: list[str], env: dict[str, str], on_line: Callable[[str], None]) -> None:
    process = subprocess.Popen(  # noqa: S603 (the tool's path, fixed arguments, no shell)
        [str(tool.path), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    said: list[str] = []
    assert process.stderr is not None
    for line in process.stderr:
        on_line(line)
        if " dumping " not in line and "reading " not in line:
            said.append(line.rstrip())
    if process.wait() != 0:
        raise PostgresToolError(_failure(tool, said))


def _failure(tool: Tool, said: list[str]) -> str:
    tail = "; ".join(line for line in said[-5:] if line) or "no message"
    return f"{tool.path.name} failed: {tail}"


def restore(connection: Connection, dump_file: Path, on_table: Callable[[str], None]) -> None:
    """Replace the schema of `connection`'s database with the dump's, in one transaction:
    pg_restore turns the dump into SQL, psql runs it after CLEAR_SCHEMA with
    --single-transaction, so a failure anywhere leaves the database as it was."""
    major, _ = server_major(connection)
    pg_restore = find_tool("pg_restore", major)
    psql = find_tool("psql", major)
    env = connection.environment()
    with tempfile.TemporaryFile() as restore_said, tempfile.TemporaryFile() as psql_said:
        producer = subprocess.Popen(  # noqa: S603
            [str(pg_restore.path), "--no-owner", "--no-privileges", "--file=-", str(dump_file)],
            stdout=subprocess.PIPE,
            stderr=restore_said,
            env=env,
        )
        consumer = subprocess.Popen(  # noqa: S603
            [
                str(psql.path),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_said,
            env=env,
        )
        assert producer.stdout is not None and consumer.stdin is not None
        try:
            consumer.stdin.write(CLEAR_SCHEMA.encode())
            while chunk := producer.stdout.read(COPY_BYTES):
                for match in COPY_LINE.finditer(chunk):
                    on_table(match.group(1).decode())
                consumer.stdin.write(chunk)
        except BrokenPipeError:
            pass  # psql stopped at an error: its message is read below
        producer.stdout.close()
        if producer.wait() != 0:
            # psql must not reach the end of its input: at the end it would commit what it
            # ran so far. Killed first, its transaction is rolled back with its connection.
            consumer.kill()
            consumer.wait()
            raise PostgresToolError(_failure(pg_restore, _lines(restore_said)))
        with contextlib.suppress(BrokenPipeError):
            consumer.stdin.close()
        if consumer.wait() != 0:
            message = _failure(psql, _lines(psql_said))
            raise PostgresToolError(f"{message}; the database was left as it was")


def _lines(said: IO[bytes]) -> list[str]:
    said.seek(0)
    return said.read().decode(errors="replace").splitlines()


def create_scratch(connection: Connection, prefix: str = "lms_drill") -> Connection:
    """A new, empty database on the same server, for a drill."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server_major(connection)  # a server that is down is reported now, not after a timeout
    engine = open_engine(connection.url, connection.tls)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return connection.with_database(name)


def drop_database(server: Connection, name: str) -> None:
    engine = open_engine(server.url, server.tls)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
