"""Two `lms serve` processes on one database run each timer occurrence once between them.

The function app here is a throwaway function_app.py with one every-second timer that appends
the occurrence it ran for (and its process id) to a file; both hosts serve it from its folder.
"""

from __future__ import annotations

import textwrap
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.host_process import HostProcess, host_environment, run_lms

RUN_SECONDS = 4.5

FUNCTION_APP = """
import os

import azure.functions as func

app = func.FunctionApp()


@app.function_name("{name}")
@app.timer_trigger(schedule="* * * * * *", arg_name="timer")
def tick(timer: func.TimerRequest) -> None:
    with open(os.environ["TICKS_FILE"], "a") as ticks:
        ticks.write(f"{{timer.schedule_status['Next']}} {{os.getpid()}}\\n")
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database")
        return url
    url = f"sqlite:///{tmp_path}/shared.db"
    env = host_environment(url, tmp_path)
    migrated = run_lms("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    return url


def test_each_occurrence_runs_once_across_two_hosts(shared_database: str, tmp_path: Path) -> None:
    name = f"tick_{uuid.uuid4().hex[:8]}"  # its own timer_schedules row in a shared database
    (tmp_path / "function_app.py").write_text(textwrap.dedent(FUNCTION_APP.format(name=name)))
    ticks = tmp_path / "ticks.txt"
    env = host_environment(shared_database, tmp_path, TICKS_FILE=str(ticks))
    hosts = [HostProcess(env, cwd=tmp_path), HostProcess(env, cwd=tmp_path)]
    try:
        for host in hosts:
            host.wait_until_listening()
            assert f"timers          {name} (* * * * * *)" in host.banner
        time.sleep(RUN_SECONDS)
    finally:
        statuses = [host.stop() for host in hosts]
    assert statuses == [0, 0]

    runs = [line.split() for line in ticks.read_text().splitlines()]
    occurrences = Counter(datetime.fromisoformat(occurrence) for occurrence, _ in runs)
    assert len(occurrences) >= 3, runs
    assert max(occurrences.values()) == 1, f"an occurrence ran twice: {runs}"
    first, last = min(occurrences), max(occurrences)
    assert last - first == timedelta(seconds=len(occurrences) - 1), f"one was skipped: {runs}"
