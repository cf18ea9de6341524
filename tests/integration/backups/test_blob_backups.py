"""`lms backup --include-blobs` on Azurite: every container a setting names is copied, the
backup is uploaded to BACKUP_CONTAINER, retention applies there too, and `lms restore
--include-blobs` puts the blobs back byte for byte."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared import bootstrap
from shared.backups.blobs import data_containers
from shared.cli.main import main
from shared.config import Settings
from tests.clock import ManualClock

pytestmark = pytest.mark.azurite


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def azure_storage(
    azurite_blob: str, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, str]:
    names = {
        "FILES_CONTAINER_NAME": _name("files"),
        "AZURE_STORAGE_CONTAINER_NAME": _name("legacy"),
        "BACKUP_CONTAINER": _name("backups"),
    }
    monkeypatch.setenv("STORAGE", "azure")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_blob)
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    for setting, value in names.items():
        monkeypatch.setenv(setting, value)
    bootstrap.reset()
    return names


def test_blobs_are_backed_up_uploaded_and_restored_byte_for_byte(
    azure_storage: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    deps = bootstrap.current()
    pdf = b"%PDF-1.7 " + bytes(range(256)) * 4000  # about 1 MB: more than one read
    deps.files.put("u1/report.pdf", pdf, "application/pdf")
    deps.files.put("u2/notes.txt", b"notes", "text/plain")
    deps.container(azure_storage["AZURE_STORAGE_CONTAINER_NAME"]).put("x", b"1", "text/plain")

    assert main(["backup", "--include-blobs"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "3 blobs" in out.splitlines()[-1]
    folder = bootstrap.current().settings.BACKUP_DIR
    (manifest_path,) = folder.glob("*.manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["containers"][azure_storage["FILES_CONTAINER_NAME"]] == {
        "blobs": 2,
        "bytes": len(pdf) + 5,
    }
    uploaded = bootstrap.current().container(azure_storage["BACKUP_CONTAINER"])
    for path in folder.iterdir():
        assert uploaded.get(path.name) == path.read_bytes()

    files = bootstrap.current().files
    files.delete("u1/report.pdf")
    files.put("u2/notes.txt", b"overwritten", "text/plain")
    assert main(["restore", str(manifest_path), "--yes", "--include-blobs"]) == 0
    assert "3 blobs" in capsys.readouterr().out
    files = bootstrap.current().files
    assert files.get("u1/report.pdf") == pdf
    assert files.get("u2/notes.txt") == b"notes"


def test_retention_removes_old_backups_in_the_folder_and_the_container(
    azure_storage: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    install_dependencies: Callable[..., object],
) -> None:
    clock = ManualClock()

    def backup_on_day(day: int, *args: str) -> str:
        clock.now = start + timedelta(days=day)
        install_dependencies(clock=clock)  # `lms` forgets its dependencies when it ends
        assert main(["backup", *args]) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    start = clock.now
    backup_on_day(0)
    backup_on_day(10, "--retention-days", "14")
    folder = bootstrap.current().settings.BACKUP_DIR
    assert len(list(folder.glob("*.manifest.json"))) == 2

    out = backup_on_day(15, "--retention-days", "14")
    first = f"lms-{start.strftime('%Y%m%dT%H%M%SZ')}"
    assert f"  removed {first} (older than 14 days)" in out
    assert re.search(rf"  removed {first}\.(sqlite|pgdump) from container", out), out
    assert f"  removed {first}.manifest.json from container" in out
    assert len(list(folder.glob("*.manifest.json"))) == 2
    container = bootstrap.current().container(azure_storage["BACKUP_CONTAINER"])
    left = sorted(container.names(modified_before=datetime.now(UTC) + timedelta(days=1)))
    assert sorted(p.name for p in folder.iterdir()) == left


def test_every_container_a_setting_names_is_backed_up() -> None:
    class WithCertificates(Settings):
        CERTIFICATES_CONTAINER_NAME: str = "certificates"

    assert data_containers(WithCertificates()) == ["certificates", "files"]
    on_azure = WithCertificates(STORAGE="azure", AZURE_STORAGE_CONTAINER_NAME="files")
    assert data_containers(on_azure) == ["certificates", "files"]
