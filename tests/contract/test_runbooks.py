"""The commands of docs/runbooks/ and infra/systemd/: every `lms` command parses, and those
that can run here run, in the runbooks' order, against a real database with demo data."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from shared import bootstrap
from shared.backups.manifest import backups_in
from shared.cli.main import build_parser, main
from shared.messaging.broker import OutgoingMessage
from shared.messaging.local import LocalBroker
from shared.services.demo import seed

REPO = Path(__file__).resolve().parents[2]
RUNBOOKS = sorted((REPO / "docs" / "runbooks").glob("*.md"))
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
EXAMPLE_BACKUP = re.compile(r"\S*lms-20250301T\d{6}Z\.\w+(?:\.json)?")
# Commands that need an Azure server or a host name of a real deployment.
NOT_HERE = ("--database-url",)


def lms_commands(text: str) -> list[str]:
    lines = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("lms "):
                lines.append(line)
    return lines


def test_the_runbooks_exist_and_every_lms_command_in_them_parses() -> None:
    names = {path.name for path in RUNBOOKS}
    assert {
        "deploy.md",
        "rollback.md",
        "rotate-secrets.md",
        "dead-letters.md",
        "restore.md",
        "alerts.md",
    } <= names
    parser = build_parser()
    seen = 0
    for path in RUNBOOKS:
        for command in lms_commands(path.read_text()):
            args = shlex.split(re.sub(r"<[^>]+>", "placeholder", command))[1:]
            parser.parse_args(args)  # exits (fails the test) on a command lms does not take
            seen += 1
    assert seen >= 15


def test_the_systemd_units_run_commands_lms_takes() -> None:
    parser = build_parser()
    for unit in (REPO / "infra" / "systemd").glob("*.service"):
        (line,) = [x for x in unit.read_text().splitlines() if x.startswith("ExecStart=")]
        parser.parse_args(shlex.split(line)[1:])
    timers = {p.stem for p in (REPO / "infra" / "systemd").glob("*.timer")}
    assert timers == {"lms-backup", "lms-restore-drill"}


@pytest.mark.parametrize(
    "runbook",
    ["restore.md", "dead-letters.md", "rotate-secrets.md", "alerts.md", "rollback.md", "deploy.md"],
)
def test_the_runbooks_commands_run_on_a_real_database(
    runbook: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # the runbooks' relative paths (.lms/backups) land here
    monkeypatch.setenv("RESTORE_DRILL_EMAIL", "student@example.com")
    monkeypatch.setenv("RESTORE_DRILL_PASSWORD", "StudentPass123")
    bootstrap.reset()
    seed(bootstrap.current(), lambda _line: None)
    broker = LocalBroker(bootstrap.current().sessions)
    for queue in ("emails", "webhooks"):
        broker.send([OutgoingMessage(queue, f"{queue}-1", b"{}", "test")])
        for received in broker.receive(queue, 100):  # the demo data queued mails too
            broker.dead_letter(received, "MaxDeliveryCountExceeded", "ConnectionError: refused")
    assert main(["backup", "--include-blobs"]) == 0
    ran = 0
    for command in lms_commands((REPO / "docs" / "runbooks" / runbook).read_text()):
        if any(flag in command for flag in NOT_HERE):
            continue
        newest = backups_in(Path(".lms/backups"))[-1]  # names order by time, then counter
        command = EXAMPLE_BACKUP.sub(str(newest).replace("\\", "/"), command)
        command = command.replace("<message-id>", "emails-1").replace("<queue>", "emails")
        args = shlex.split(command)[1:]
        capsys.readouterr()
        assert main(args) == 0, f"{command}: {capsys.readouterr().err}"
        ran += 1
    assert ran >= 1
