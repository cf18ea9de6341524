"""`lms serve` runs the background work: the outbox sweep timer feeds the local broker, the
queue triggers consume it, and a message nobody can handle ends in the dead-letter queue at
its first delivery."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shared import bootstrap
from shared.messages.base import Message
from shared.messaging.local import LocalBroker
from tests.e2e.host_process import HostProcess, host_environment, run_lms
from tests.unit_of_work import unit_of_work


class Unhandled(Message):
    type = "no.handler.for.this"
    queues = ("webhooks",)

    n: int


def test_a_message_left_in_the_outbox_is_swept_delivered_and_dead_lettered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path}/lms.db"
    env = host_environment(database_url, tmp_path, OUTBOX_SWEEP_SCHEDULE="*/1 * * * * *")
    assert run_lms("migrate", env=env).returncode == 0

    # This process writes like a request whose relay after commit never ran.
    monkeypatch.setenv("DATABASE_URL", database_url)
    bootstrap.reset()
    with unit_of_work(relay=False) as uow:
        [message_id] = uow.publish(Unhandled(n=1))
        uow.commit()

    host = HostProcess(env)
    host.wait_until_listening()
    try:
        broker = bootstrap.current().broker
        assert isinstance(broker, LocalBroker)
        deadline = time.monotonic() + 60
        while not broker.dead_letters("webhooks") and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        assert host.stop() == 0
    [letter] = broker.dead_letters("webhooks")
    assert letter.message_id == str(message_id)
    assert letter.delivery_count == 1
    assert letter.reason == "UnknownMessageType"
    assert "no handler for 'no.handler.for.this' on queue 'webhooks'" in (letter.description or "")
