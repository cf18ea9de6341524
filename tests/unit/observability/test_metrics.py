"""The metrics registry: declared names and labels, the text a scrape reads, and the files
every process of `lms serve` shares."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.observability import metrics
from tests.scrape import Scrape

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    metrics.reset()
    yield
    metrics.reset()


def scrape(figures: tuple[metrics.Figure, ...] = ()) -> Scrape:
    return Scrape(metrics.exposition(figures).decode())


def test_counters_with_known_labels_exist_at_zero_before_anything_happens() -> None:
    figures = scrape()
    assert ("lms_jobs_dead_lettered_total", frozenset({("queue", "emails")})) in figures.samples
    assert figures.value("lms_jobs_dead_lettered_total", queue="webhooks") == 0
    assert figures.value("auth_failed_login_attempts_total") == 0
    assert figures.value("lms_job_duration_seconds_count", queue="progress") == 0


def test_an_increment_with_undeclared_labels_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        metrics.increment("lms_jobs_processed_total", queue="emails", user="ada")


def test_figures_become_gauges_with_their_labels() -> None:
    figures = scrape(
        (
            metrics.Figure("lms_queue_depth", "depth", 3, (("queue", "emails"),)),
            metrics.Figure("lms_queue_depth", "depth", 0, (("queue", "progress"),)),
            metrics.Figure("lms_database_up", "up", 1),
        )
    )
    assert figures.value("lms_queue_depth", queue="emails") == 3
    assert figures.value("lms_queue_depth", queue="progress") == 0
    assert figures.value("lms_database_up") == 1
    assert "# TYPE lms_queue_depth gauge" in figures.text


def test_committed_business_events_are_counted_by_message_type() -> None:
    class Message:
        def __init__(self, type: str, **fields: object) -> None:
            self.type = type
            self.__dict__.update(fields)

    metrics.count_committed(
        [
            Message("enrollment.created"),
            Message("certificate.issued"),
            Message("quiz.submitted", is_passed=False),
            Message("email.welcome"),
        ]
    )
    figures = scrape()
    assert figures.value("lms_enrollments_total") == 1
    assert figures.value("lms_certificates_issued_total") == 1
    assert figures.value("lms_quiz_submissions_total", result="failed") == 1


CHILD = """
import sys
from shared.observability import metrics
metrics.increment("lms_jobs_processed_total", queue="emails")
metrics.observe("lms_job_duration_seconds", 0.2, queue="emails")
"""


def test_processes_sharing_a_directory_are_scraped_as_one(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, cwd=REPO_ROOT)
    metrics.share_between_processes(str(tmp_path))
    try:
        figures = scrape()
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR")
        metrics.reset()
    # share_between_processes empties the folder first: this process starts from nothing.
    assert figures.value("lms_jobs_processed_total", queue="emails") == 0

    for _ in range(2):
        subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, cwd=REPO_ROOT)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)
    try:
        figures = scrape()
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR")
    assert figures.value("lms_jobs_processed_total", queue="emails") == 2
    assert figures.value("lms_job_duration_seconds_count", queue="emails") == 2


def test_a_cold_start_imports_neither_prometheus_client_nor_opentelemetry() -> None:
    program = (
        "import sys, function_app\n"
        "function_app.app.get_functions()\n"
        "heavy = ('prometheus_client', 'opentelemetry', 'azure.monitor')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true"}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO_ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
