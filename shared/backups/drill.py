"""`lms restore-drill`: prove a backup restores. Into a scratch database: restore, compare the
row counts with the manifest, migrate to head, sign in as a known account; report how long
that took (the RTO measured) and how old the backup is (the RPO), then drop the scratch."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.backups.database import counts_and_revision
from shared.backups.manifest import BackupRefusedError, Manifest, backups_in
from shared.backups.restore import check, restore_database
from shared.backups.target import Target
from shared.bootstrap import Dependencies

Say = Callable[[str], None]


@dataclass
class DrillReport:
    backup: str
    problems: list[str] = field(default_factory=list)
    rto_seconds: float | None = None
    age_seconds: float | None = None
    login: str = "not checked"

    @property
    def passed(self) -> bool:
        return not self.problems


def newest_backup(folder: Path) -> Path:
    found = backups_in(folder)
    if not found:
        raise BackupRefusedError(f"no backup in {folder}: run `lms backup` (or name a backup file)")
    return found[-1]


def _rows(count: int | None) -> str:
    return "no such table" if count is None else f"{count} rows"


def count_problems(expected: dict[str, int], restored: dict[str, int]) -> list[str]:
    problems = []
    for table in sorted(expected.keys() | restored.keys()):
        want, got = expected.get(table), restored.get(table)
        if want != got:
            problems.append(
                f"table {table}: the manifest says {_rows(want)}, restored {_rows(got)}"
            )
    return problems


def run_drill(deps: Dependencies, path: Path | None, server: Target, say: Say) -> DrillReport:
    settings = deps.settings
    path = path or newest_backup(settings.BACKUP_DIR)
    report = DrillReport(backup=path.name)
    started = time.monotonic()
    try:
        backup = check(path)
    except BackupRefusedError as exc:
        report.problems.append(str(exc))
        return report
    manifest = backup.manifest
    report.backup = manifest.name
    report.age_seconds = manifest.age_seconds(deps.clock())
    if report.age_seconds > settings.RESTORE_DRILL_MAX_AGE_HOURS * 3600:
        report.problems.append(
            f"the backup is {report.age_seconds / 3600:.1f} h old, more than "
            f"RESTORE_DRILL_MAX_AGE_HOURS ({settings.RESTORE_DRILL_MAX_AGE_HOURS:g} h): are "
            "backups still running?"
        )
    with _scratch(server, manifest) as scratch:
        say(f"Restoring {manifest.name} into the scratch database {scratch.shown} ...")
        restore_database(backup, scratch, settings.BACKUP_ENCRYPTION_KEY, say)
        counts, _ = counts_and_revision(scratch.url, scratch.tls())
        report.problems.extend(count_problems(manifest.row_counts, counts))
        say(f"  {sum(counts.values())} rows in {len(counts)} tables restored")
        from shared import db_migrations

        _, head = db_migrations.upgrade(scratch.url, tls=scratch.tls())
        say(f"  migrated from {manifest.schema_revision} to {head}")
        report.login = _try_login(deps, scratch, report)
        report.rto_seconds = round(time.monotonic() - started, 2)
    return report


class _scratch:
    """A scratch database on the server of `server` (PostgreSQL) or in a temporary folder
    (SQLite), dropped on the way out whatever happened."""

    def __init__(self, server: Target, manifest: Manifest) -> None:
        self.server = server
        self.manifest = manifest
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._name: str | None = None

    def __enter__(self) -> Target:
        from shared.backups import postgres

        if self.server.kind == "postgresql":
            scratch = postgres.create_scratch(self.server.postgres())
            self._name = scratch.database
            url = scratch.url
        else:
            self._folder = tempfile.TemporaryDirectory(prefix="lms-drill-")
            url = f"sqlite:///{self._folder.name}/drill.db"
        return Target(self.server.settings.model_copy(update={"DATABASE_URL": url}))

    def __exit__(self, *_: object) -> None:
        from shared.backups import postgres

        if self._name is not None:
            postgres.drop_database(self.server.postgres(), self._name)
        if self._folder is not None:
            self._folder.cleanup()


def _try_login(deps: Dependencies, scratch: Target, report: DrillReport) -> str:
    """Sign in through the real sign-in service against the restored data. Everything else
    the service could reach is local and throw-away: no mail leaves, no message reaches the
    production broker."""
    from shared import bootstrap
    from shared.domain.errors import DomainError
    from shared.services.identity import sign_in

    settings = deps.settings
    email, password = settings.RESTORE_DRILL_EMAIL, settings.RESTORE_DRILL_PASSWORD
    if not (email and password):
        return "not checked (set RESTORE_DRILL_EMAIL and RESTORE_DRILL_PASSWORD)"
    with tempfile.TemporaryDirectory(prefix="lms-drill-") as folder:
        isolated = scratch.settings.model_copy(
            update={
                "BROKER": "local",
                "MAIL_TRANSPORT": "maildir",
                "MAILDIR_PATH": Path(folder) / "mail",
                "STORAGE": "local",
                "LOCAL_STORAGE_DIR": Path(folder) / "files",
                "RATE_LIMIT_ENABLED": False,
            }
        )
        drill_deps = bootstrap.build(isolated, clock=deps.clock)
        try:
            sign_in.login(drill_deps, email=email, password=password, client_ip=None)
        except DomainError as exc:
            report.problems.append(f"{email} could not sign in on the restored data: {exc.detail}")
            return "refused"
        finally:
            drill_deps.close()
    return f"{email} signed in"
