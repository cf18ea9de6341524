"""A consumer process for the burst test: the real `progress_consume` queue function, fed by
the local broker, with a test handler that writes each message id it runs to its own file.

    python -m tests.integration.messaging.burst_worker OUT_FILE READY_FILE OTHER_READY_FILE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from shared.config import get_settings
from shared.local.app_functions import functions_of
from shared.local.queue_consumer import QueueConsumer
from shared.messaging.consumer import handles
from shared.messaging.envelope import Envelope
from shared.messaging.local import LocalBroker
from shared.uow import UnitOfWork


def main(out: Path, ready: Path, other_ready: Path) -> int:
    import function_app

    with out.open("a") as record:

        @handles("progress", "test.burst")
        def record_run(uow: UnitOfWork, message: Envelope) -> None:
            record.write(f"{message.id}\n")
            record.flush()

        [progress] = [
            q for q in functions_of(function_app.app).queues if q.queue_name == "progress"
        ]
        broker = LocalBroker.from_settings(get_settings())
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
