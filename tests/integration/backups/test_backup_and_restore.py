"""`lms backup` then `lms restore`, on SQLite and on PostgreSQL with its own tools: the rows
come back, the demo student signs in, and a backup that is not whole is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from shared import bootstrap
from shared.backups.database import counts_and_revision
from shared.cli.main import main
from tests.function_calls import call_http, json_of
from tests.integration.backups.conftest import DEMO_STUDENT


def backup_files(folder: Path) -> dict[str, Path]:
    """The files of the one backup in `folder`, by kind: manifest, database, blobs."""
    found: dict[str, Path] = {}
    for path in folder.iterdir():
        kind = "manifest" if path.name.endswith(".manifest.json") else path.name.split(".")[1]
        found["database" if kind in ("pgdump", "sqlite") else kind] = path
    return found


def make_backup(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Path]:
    assert main(["backup", *args]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("Backup lms-")
    return backup_files(bootstrap.current().settings.BACKUP_DIR)


def signs_in(database_url: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setenv("DATABASE_URL", database_url)
    bootstrap.reset()
    email, password = DEMO_STUDENT
    response = call_http(
        "auth_login", "POST", "/api/v1/auth/login", json_body={"email": email, "password": password}
    )
    assert response.status_code == 200, json_of(response)
    return bool(json_of(response)["tokens"]["access_token"])


def test_backup_then_restore_into_an_empty_database_gives_the_same_rows_and_a_working_login(
    kind: str,
    source: str,
    new_database: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = make_backup(capsys)
    manifest = json.loads(files["manifest"].read_text())
    expected, revision = counts_and_revision(source)
    assert manifest["row_counts"] == expected and manifest["schema_revision"] == revision
    assert manifest["database"] == kind and manifest["encrypted"] is False
    assert manifest["row_counts"]["users"] == 4  # the demo: admin, two instructors, student

    target = new_database(kind, revision=None)
    assert main(["restore", str(files["database"]), "--database-url", target]) == 0
    assert "Restored lms-" in capsys.readouterr().out
    assert counts_and_revision(target) == (expected, revision)
    assert signs_in(target, monkeypatch)


def test_restore_over_a_database_with_data_needs_yes_and_then_replaces_it(
    kind: str,
    source: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = make_backup(capsys)
    expected = counts_and_revision(source)
    engine = create_engine(source, poolclass=pool.NullPool)
    with engine.begin() as connection:  # the disaster: a table emptied, one that should not be
        connection.execute(text("DELETE FROM lesson_progress"))
        connection.execute(text("CREATE TABLE stray (id INTEGER)"))
    engine.dispose()

    assert main(["restore", str(files["manifest"])]) == 1
    err = capsys.readouterr().err
    assert "is not empty" in err and "--yes" in err
    assert counts_and_revision(source)[0]["lesson_progress"] == 0  # nothing was touched

    assert main(["restore", str(files["manifest"]), "--yes"]) == 0
    assert counts_and_revision(source) == expected  # and the stray table is gone
    assert signs_in(source, monkeypatch)


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_corrupted_or_truncated_backup_is_refused_and_the_database_left_alone(
    kind: str,
    source: str,
    damage: str,
    new_database: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = make_backup(capsys)
    data = bytearray(files["database"].read_bytes())
    if damage == "truncated":
        del data[len(data) // 2 :]
    else:
        data[len(data) // 2] ^= 0xFF
    files["database"].write_bytes(bytes(data))
    target = new_database(kind)

    assert main(["restore", str(files["database"]), "--yes", "--database-url", target]) == 1
    err = capsys.readouterr().err
    word = "truncated" if damage == "truncated" else "sha256"
    assert "refused" in err and word in err
    assert counts_and_revision(target)[0]["users"] == 0


def test_an_encrypted_backup_restores_with_its_key_only_and_refuses_tampering(
    kind: str,
    source: str,
    new_database: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["backup-key"]) == 0
    key = capsys.readouterr().out.strip()
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", key)
    bootstrap.reset()
    files = make_backup(capsys)
    assert files["database"].name.endswith(".enc")
    plain = counts_and_revision(source)
    assert b"student@example.com" not in files["database"].read_bytes()

    target = new_database(kind, revision=None)
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", "")
    bootstrap.reset()
    assert main(["restore", str(files["manifest"]), "--database-url", target]) == 1
    assert "set BACKUP_ENCRYPTION_KEY" in capsys.readouterr().err

    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", key)
    bootstrap.reset()
    assert main(["restore", str(files["manifest"]), "--database-url", target]) == 0
    assert counts_and_revision(target) == plain

    # Altered and its manifest's checksum rewritten to match: the cipher still refuses it.
    from shared.backups.manifest import sha256_of

    data = bytearray(files["database"].read_bytes())
    data[-20] ^= 0x01
    files["database"].write_bytes(bytes(data))
    manifest = json.loads(files["manifest"].read_text())
    manifest["database_file"]["sha256"] = sha256_of(files["database"])
    files["manifest"].write_text(json.dumps(manifest))
    assert main(["restore", str(files["manifest"]), "--yes", "--database-url", target]) == 1
    assert "altered" in capsys.readouterr().err


def test_a_backup_of_a_newer_schema_is_refused(
    kind: str, source: str, new_database: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine(source, poolclass=pool.NullPool)
    with engine.begin() as connection:  # as a later version of the code would leave it
        connection.execute(text("UPDATE alembic_version SET version_num = '9001'"))
    engine.dispose()
    files = make_backup(capsys)
    target = new_database(kind, revision=None)

    assert main(["restore", str(files["manifest"]), "--database-url", target]) == 1
    err = capsys.readouterr().err
    assert "schema revision 9001" in err and "newer than the code" in err
    assert counts_and_revision(target) == ({}, None)


def test_a_backup_of_an_older_schema_is_migrated_after_the_restore(
    kind: str,
    new_database: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from shared import db_migrations
    from shared.backups.restore import known_revisions
    from shared.services.demo import seed

    previous = known_revisions()[-2]
    old = new_database(kind)
    monkeypatch.setenv("DATABASE_URL", old)
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    bootstrap.reset()
    # Seeded by today's code at head, then taken one migration back: the demo's services
    # need today's tables.
    seed(bootstrap.current(), lambda _line: None)
    bootstrap.reset()
    db_migrations.downgrade(old, previous)
    files = make_backup(capsys)
    assert json.loads(files["manifest"].read_text())["schema_revision"] == previous

    target = new_database(kind, revision=None)
    assert main(["restore", str(files["manifest"]), "--database-url", target]) == 0
    out = capsys.readouterr().out
    head = known_revisions()[-1]
    assert f"migrated from {previous} to {head}" in out
    assert counts_and_revision(target)[1] == head
    assert signs_in(target, monkeypatch)


def test_a_file_that_lms_backup_did_not_write_is_refused(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "dump.sql"
    stray.write_text("DROP TABLE users;")
    assert main(["restore", str(stray), "--yes"]) == 1
    assert "is not a file `lms backup` wrote" in capsys.readouterr().err
    files = make_backup(capsys)
    files["manifest"].unlink()
    assert main(["restore", str(files["database"]), "--yes"]) == 1
    assert "manifest.json is missing" in capsys.readouterr().err
