"""Every message a service can publish is handled on every queue it goes to, so a message type
with no handler is a failing test here, not a poison message in production."""

from __future__ import annotations

import pytest

from functions_jobs import certificates, emails, progress, webhooks
from shared.messages.base import QUEUES
from shared.messages.catalog import BY_TYPE, MESSAGES

TABLES = {module.QUEUE: module.HANDLERS for module in (emails, progress, certificates, webhooks)}


def test_each_queue_has_one_trigger_module_with_a_table() -> None:
    assert sorted(TABLES) == sorted(QUEUES)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.type)
def test_each_message_type_is_handled_on_each_queue_it_is_published_to(message: type) -> None:
    for queue in message.queues:  # type: ignore[attr-defined]
        assert message.type in TABLES[queue].message_types, (  # type: ignore[attr-defined]
            f"{message.type} goes to {queue}, whose table has no handler for it"
        )


@pytest.mark.parametrize("queue", QUEUES)
def test_a_queue_handles_nothing_that_is_never_published_to_it(queue: str) -> None:
    for message_type in TABLES[queue].message_types:
        assert queue in BY_TYPE[message_type].queues


def test_message_types_are_unique() -> None:
    assert len(BY_TYPE) == len(MESSAGES)
