"""`lms worker`: the queue and timer triggers of function_app.py, with no HTTP.

Beside an API served elsewhere — `func start` with APP_ROLE=api, or a Function App in Azure
with BROKER=local — it consumes the local broker's queues (the database table the API's
outbox relay sends to) and runs the timers once per occurrence (their claims in the database
keep it so beside `lms serve` hosts too). Start-up prints one banner or fails with status 2;
SIGINT and SIGTERM stop it with status 0.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import azure.functions as func

from shared import bootstrap
from shared.config import UnsafeSettingsError
from shared.local.app_functions import AppSettingMissingError, functions_of
from shared.local.banner import where_things_go
from shared.local.ncrontab import CronScheduleError
from shared.local.queue_consumer import QueueConsumer
from shared.local.server import StartupError, load_function_app, stop_on_signals
from shared.local.timers import TimerScheduler
from shared.messaging.local import LocalBroker
from shared.observability.console import configure_console_logging

log = logging.getLogger("lms.local.worker")


def run_worker(app: func.FunctionApp | None = None) -> int:
    """Consume the local queues and run the timers until SIGINT or SIGTERM."""
    try:
        deps = bootstrap.current()
        settings = deps.settings
        configure_console_logging(settings.LOG_LEVEL)
        if settings.BROKER != "local":
            raise StartupError(
                f"BROKER={settings.BROKER}: the Functions host consumes those queues "
                "(APP_ROLE=all or jobs under `func start`); `lms worker` runs the local broker's"
            )
        function_app = app if app is not None else load_function_app(Path(os.getcwd()))
        functions = functions_of(function_app)
        if not functions.queues and not functions.timers:
            raise StartupError(
                f"APP_ROLE={settings.APP_ROLE} registers no queue or timer trigger; "
                "run `lms worker` with APP_ROLE=all or APP_ROLE=jobs"
            )
        broker = deps.broker
        assert isinstance(broker, LocalBroker)
        scheduler = TimerScheduler(functions.timers, deps.sessions, clock=deps.clock)
    except (
        UnsafeSettingsError,
        StartupError,
        CronScheduleError,
        AppSettingMissingError,
    ) as exc:
        print(f"lms worker: {exc}", file=sys.stderr, flush=True)
        return 2

    consumer = QueueConsumer(functions.queues, broker) if functions.queues else None
    stopped = threading.Event()
    queues = ", ".join(f"{q.queue_name} -> {q.name}" for q in functions.queues) or "none"
    timers = ", ".join(f"{t.name} ({t.schedule})" for t in functions.timers) or "none"
    banner = "\n".join(
        [
            f"LMS worker running (pid {os.getpid()}), no HTTP",
            f"  queue triggers  {queues}  (from the local broker)",
            f"  timers          {timers}",
            *where_things_go(settings),
            "Ctrl-C to stop",
        ]
    )
    scheduler.start()
    if consumer is not None:
        consumer.start()
    try:
        with stop_on_signals():
            print(banner, flush=True)
            while not stopped.wait(1.0):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        print("lms worker: stopping", flush=True)
        scheduler.stop()
        if consumer is not None:
            consumer.stop()
        bootstrap.reset()
    return 0
