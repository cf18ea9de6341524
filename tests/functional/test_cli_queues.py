"""`lms jobs status` and `lms dlq ...` on the local broker: what they print, what they change."""

from __future__ import annotations

import pytest

from shared import bootstrap
from shared.cli.main import main
from shared.messaging.broker import OutgoingMessage
from shared.messaging.local import LocalBroker

pytestmark = pytest.mark.postgres


@pytest.fixture
def dead_letters(database_url: str) -> LocalBroker:
    broker = LocalBroker(bootstrap.current().sessions)
    broker.send(
        [OutgoingMessage("emails", f"m{i}", b'{"to": "x"}', "email.send") for i in range(3)]
    )
    for received in broker.receive("emails", 3):
        broker.dead_letter(received, "MaxDeliveryCountExceeded", "ConnectionError: refused")
    return broker


def test_jobs_status_prints_a_row_per_queue(
    dead_letters: LocalBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "broker: local"
    emails = next(line for line in lines if line.startswith("emails"))
    assert emails.split() == ["emails", "0", "0", "-", "3"]


def test_dlq_list_and_show_print_reasons_and_bodies(
    dead_letters: LocalBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "list", "--queue", "emails"]) == 0
    out = capsys.readouterr().out
    assert "3 dead letter(s) in emails" in out
    assert "m0  email.send  deliveries=1  reason=MaxDeliveryCountExceeded" in out
    assert main(["dlq", "show", "--queue", "emails", "m1"]) == 0
    out = capsys.readouterr().out
    assert '"description": "ConnectionError: refused"' in out
    assert '"to": "x"' in out
    assert main(["dlq", "show", "--queue", "emails", "nope"]) == 1


def test_dlq_replay_one_then_purge_the_rest(
    dead_letters: LocalBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "replay", "--queue", "emails", "m1"]) == 0
    assert "Replayed 1 dead letter(s) onto emails." in capsys.readouterr().out
    assert [m.message_id for m in dead_letters.receive("emails", 10)] == ["m1"]
    assert main(["dlq", "purge", "--queue", "emails", "--all"]) == 0
    assert "Deleted 2 dead letter(s) from emails." in capsys.readouterr().out
    assert dead_letters.dead_letters("emails") == []


def test_replay_needs_ids_or_all(dead_letters: LocalBroker) -> None:
    with pytest.raises(SystemExit, match="pass --all"):
        main(["dlq", "replay", "--queue", "emails"])


def test_an_unknown_queue_is_refused_by_the_parser(database_url: str) -> None:
    with pytest.raises(SystemExit):
        main(["dlq", "list", "--queue", "payments"])
