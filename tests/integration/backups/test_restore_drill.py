"""`lms restore-drill`: passes on a good backup, fails (exit 1) on a bad one, cannot run
(exit 2) without a server, and never leaves its scratch database behind."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from shared import bootstrap
from shared.cli.main import main
from tests.clock import ManualClock
from tests.integration.backups.conftest import DEMO_STUDENT

SCRATCH = re.compile(r"scratch database (\S+) \.\.\.")


@pytest.fixture
def drill_login(monkeypatch: pytest.MonkeyPatch) -> None:
    email, password = DEMO_STUDENT
    monkeypatch.setenv("RESTORE_DRILL_EMAIL", email)
    monkeypatch.setenv("RESTORE_DRILL_PASSWORD", password)
    bootstrap.reset()


def backup(capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["backup"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    (manifest,) = bootstrap.current().settings.BACKUP_DIR.glob("*.manifest.json")
    return manifest


def scratch_gone(kind: str, out: str, server_url: str | None) -> bool:
    (scratch,) = SCRATCH.findall(out)
    if kind == "sqlite":
        return not Path(scratch.removeprefix("sqlite:///")).exists()
    name = scratch.rsplit("/", 1)[1]
    engine = create_engine(str(server_url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar_one()
    engine.dispose()
    return found == 0


@pytest.mark.usefixtures("drill_login")
def test_the_drill_passes_on_a_good_backup_reports_rto_and_rpo_and_drops_its_scratch(
    kind: str, source: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    backup(capsys)
    assert main(["restore-drill"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert re.search(r"^RTO \(measured\): \d+\.\d s$", out, re.MULTILINE)
    assert re.search(r"^RPO \(backup age\): 0\.\d\d h$", out, re.MULTILINE)
    assert "login: student@example.com signed in" in out
    assert "Restore drill PASSED." in out
    server = request.getfixturevalue("postgres_server_url") if kind == "postgresql" else None
    assert scratch_gone(kind, out, server)


@pytest.mark.usefixtures("drill_login")
def test_the_drill_fails_when_the_rows_restored_differ_from_the_manifest(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_path = backup(capsys)
    manifest = json.loads(manifest_path.read_text())
    manifest["row_counts"]["enrollments"] += 1  # the dump lost a row the manifest counted
    manifest_path.write_text(json.dumps(manifest))
    assert main(["restore-drill", str(manifest_path)]) == 1
    err = capsys.readouterr().err
    assert "table enrollments: the manifest says 3 rows, restored 2 rows" in err
    assert "Restore drill FAILED" in err


@pytest.mark.usefixtures("drill_login")
def test_the_drill_fails_on_a_corrupted_backup(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_path = backup(capsys)
    (database_file,) = (
        p for p in manifest_path.parent.iterdir() if p.suffix in (".pgdump", ".sqlite")
    )
    with database_file.open("r+b") as stored:
        stored.seek(100)
        stored.write(b"\0" * 16)
    assert main(["restore-drill"]) == 1
    err = capsys.readouterr().err
    assert "does not match the sha256" in err and "Restore drill FAILED" in err


def test_the_drill_fails_when_the_known_account_cannot_sign_in(
    source: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup(capsys)
    monkeypatch.setenv("RESTORE_DRILL_EMAIL", DEMO_STUDENT[0])
    monkeypatch.setenv("RESTORE_DRILL_PASSWORD", "not the password")
    bootstrap.reset()
    assert main(["restore-drill"]) == 1
    captured = capsys.readouterr()
    assert "login: refused" in captured.out
    assert "student@example.com could not sign in on the restored data" in captured.err


@pytest.mark.usefixtures("drill_login")
def test_the_drill_fails_when_the_newest_backup_is_too_old(
    source: str, capsys: pytest.CaptureFixture[str], install_dependencies: Callable[..., object]
) -> None:
    backup(capsys)
    clock = ManualClock()
    install_dependencies(clock=clock)
    clock.advance(hours=30)
    assert main(["restore-drill"]) == 1
    err = capsys.readouterr().err
    assert "the backup is 30.0 h old, more than RESTORE_DRILL_MAX_AGE_HOURS (26 h)" in err


def test_the_drill_without_any_backup_fails_and_says_how_to_make_one(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore-drill"]) == 1
    assert "no backup in" in capsys.readouterr().err


def test_the_drill_cannot_run_without_a_database_server(
    source: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_path = backup(capsys)
    unreachable = (
        "postgresql://postgres@127.0.0.1:1/postgres"
        if kind == "postgresql"
        else "sqlite:///" + str(manifest_path.parent / "no" / "such" / "folder" / "x.db")
    )
    status = main(["restore-drill", "--database-url", unreachable])
    if kind == "postgresql":
        assert status == 2
        assert "cannot use the database" in capsys.readouterr().err
    else:  # SQLite needs no server: its scratch database is a temporary file
        assert status == 0
