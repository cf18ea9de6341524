"""`lms keys generate`: a new signing key where CERTIFICATE_SIGNING_KEY points, in a file of
one's choice or on standard output; never over an existing key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from shared import bootstrap
from shared.cli.main import main
from shared.security.signing_keys import from_pem


def test_it_writes_a_key_where_the_setting_points_and_keeps_an_existing_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "keys" / "signing.pem"
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", str(path))
    bootstrap.reset()

    assert main(["keys", "generate", "--bits", "2048"]) == 0
    written = path.read_text()
    assert from_pem(written, "here").private_key.key_size == 2048
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in capsys.readouterr().out

    assert main(["keys", "generate"]) == 1
    assert "was kept" in capsys.readouterr().err
    assert path.read_text() == written


def test_it_writes_to_a_file_of_ones_choice_or_prints_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "new.pem"
    assert main(["keys", "generate", "--bits", "2048", "--output", str(output)]) == 0
    assert output.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    capsys.readouterr()

    assert main(["keys", "generate", "--bits", "2048", "--stdout"]) == 0
    printed = capsys.readouterr().out
    assert from_pem(printed, "stdout").kid != from_pem(output.read_text(), "file").kid


def test_it_will_not_guess_a_file_when_the_setting_holds_a_pem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", "-----BEGIN PRIVATE KEY-----\n...")
    bootstrap.reset()
    assert main(["keys", "generate"]) == 1
    assert "--output FILE or --stdout" in capsys.readouterr().err
