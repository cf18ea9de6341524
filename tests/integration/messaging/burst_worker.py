"""A consumer process for the burst test: a `progress` queue function fed by the local broker,
whose handler writes each message id it runs to its own file.

    python -m tests.integration.messaging.burst_worker OUT_FILE READY_FILE OTHER_READY_FILE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from shared import bootstrap
from shared.local.queue_consumer import QueueConsumer
from shared.messaging.broker import Delivery
from shared.messaging.consumer import HandlerTable
from shared.messaging.local import LocalBroker
from tests.integration.messaging.messages import BurstWork, queue_function


def main(out: Path, ready: Path, other_ready: Path) -> int:
    with out.open("a") as record:

        def record_run(delivery: Delivery) -> None:
            record.write(f"{delivery.message_id}\n")
            record.flush()

        progress = queue_function(HandlerTable("progress", {BurstWork: record_run}))
        broker = bootstrap.current().broker
        assert isinstance(broker, LocalBroker)
        consumer = QueueConsumer([progress], broker)
        ready.touch()
        deadline = time.monotonic() + 30
        while not other_ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        idle = 0
        while idle < 3 and time.monotonic() < deadline + 60:
            batch = broker.receive("progress", 8)
            idle = 0 if batch else idle + 1
            for message in batch:
                consumer.deliver(progress, message)
            if not batch:
                time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
