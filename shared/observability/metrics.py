"""What this process counts as it works, in the Prometheus format, for `GET /metrics`.

    metrics.increment("auth_failed_login_attempts_total")
    metrics.increment("lms_jobs_processed_total", queue="emails")
    metrics.observe("lms_job_duration_seconds", 0.12, queue="emails")

Counters and histograms live in memory; recording one costs no database round trip and holds
a lock only around the arithmetic. Under `lms serve` with several worker processes (and the
timers in the parent) they live in memory-mapped files that every process of the host shares
(prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR, which `lms serve` sets), so
a scrape answered by any worker sees them all.

Figures that must be true across every instance (queue depth, the timers' last runs, the
completion ratio) are not counted here: they are read from the database when /metrics is
scraped (shared/services/operations_figures.py) and handed to `exposition` as `Figure`s.

Every name, its labels and their values are declared below: labels are bounded (a route
template, a queue, a result), never a raw path, a user or an address. The business and
sign-in events are also sent to Application Insights as custom metrics where the Functions
worker exports telemetry (app_insights.py).

prometheus_client costs ~25 ms to import on top of the app: it is imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.observability import app_insights

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds. Around the 0.75 s of the p95 alert, and up to the 30 s a request may take.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

QUEUES = ("emails", "progress", "certificates", "webhooks")  # shared.messages.base.QUEUES
RESULTS = ("success", "failure")

# name -> (help, label names, label values created at start so the series exist at 0: an
# alert on increase() cannot see the first increment of a series that starts at 1)
COUNTERS: dict[str, tuple[str, tuple[str, ...], Sequence[tuple[str, ...]]]] = {
    "http_requests_total": (
        "HTTP requests answered, by method, route template (the reference's `path`) and status",
        ("method", "path", "status"),
        (),
    ),
    "http_rate_limited_requests_total": (
        "Requests refused with 429 by a rate-limit rule",
        ("rule",),
        (("default",), ("auth",), ("upload",)),
    ),
    "auth_successful_logins_total": ("Sign-ins that issued tokens", (), ()),
    "auth_failed_login_attempts_total": (
        "Sign-ins refused for a wrong e-mail or password",
        (),
        (),
    ),
    "auth_account_lockouts_total": ("Accounts locked after too many failed sign-ins", (), ()),
    "auth_mfa_failures_total": ("Wrong or expired MFA codes", (), ()),
    "lms_user_registrations_total": (
        "Accounts registered, by role",
        ("role",),
        (("student",), ("instructor",)),
    ),
    "lms_enrollments_total": ("Enrollments created", (), ()),
    "lms_course_completions_total": ("Enrollments completed", (), ()),
    "lms_quiz_submissions_total": (
        "Quiz attempts submitted, by whether they passed",
        ("result",),
        (("passed",), ("failed",)),
    ),
    "lms_certificates_issued_total": ("Certificates issued", (), ()),
    "lms_jobs_processed_total": (
        "Queue messages handled successfully",
        ("queue",),
        tuple((q,) for q in QUEUES),
    ),
    "lms_jobs_failed_total": (
        "Queue message deliveries whose handler failed (retried, or dead-lettered)",
        ("queue",),
        tuple((q,) for q in QUEUES),
    ),
    "lms_jobs_dead_lettered_total": (
        "Queue messages dead-lettered: after the last delivery, or at once as poison",
        ("queue",),
        tuple((q,) for q in QUEUES),
    ),
    "lms_timer_runs_total": ("Timer function runs, by result", ("timer", "result"), ()),
    "lms_db_connections_opened_total": ("Database connections opened by the pools", (), ()),
    "lms_db_slow_queries_total": ("Statements slower than DB_SLOW_QUERY_MS", (), ()),
    "lms_state_store_uncounted_total": (
        "Rate-limit and lockout counts skipped because their tables did not answer (fail open)",
        ("counter",),
        (("rate_limit",), ("lockout",)),
    ),
    "lms_db_unavailable_total": (
        "Requests and jobs that met an unavailable database (503, fail-open counters)",
        (),
        (),
    ),
}
HISTOGRAMS: dict[str, tuple[str, tuple[str, ...], tuple[float, ...], Sequence[tuple[str, ...]]]] = {
    "http_request_duration_seconds": (
        "Time from the request entering the pipeline to the response, by route template",
        ("method", "path"),
        HTTP_BUCKETS,
        (),
    ),
    "lms_job_duration_seconds": (
        "Time a queue handler took, by queue",
        ("queue",),
        JOB_BUCKETS,
        tuple((q,) for q in QUEUES),
    ),
}
# Summed over the host's live processes.
GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "http_requests_in_progress": ("Requests being handled now", ()),
    "lms_db_pool_connections_in_use": ("Pooled database connections checked out now", ()),
    "lms_db_pool_connections_open": ("Database connections the pools hold open now", ()),
}

# Also Application Insights custom metrics (where the Functions worker exports telemetry).
EVENTS = frozenset(
    {
        "auth_successful_logins_total",
        "auth_failed_login_attempts_total",
        "auth_account_lockouts_total",
        "auth_mfa_failures_total",
        "lms_user_registrations_total",
        "lms_enrollments_total",
        "lms_course_completions_total",
        "lms_quiz_submissions_total",
        "lms_certificates_issued_total",
    }
)


@dataclass(frozen=True)
class Figure:
    """A gauge read when /metrics is scraped (from the database, true across instances)."""

    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


class _Instruments:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self.registry = CollectorRegistry()
        # In multiprocess mode the files are the registry: a scrape reads every process's.
        target = None if self.multiprocess_dir else self.registry
        self.counters: dict[str, Any] = {}
        for name, (text, labels, initial) in COUNTERS.items():
            counter = Counter(name, text, labels, registry=target)
            for values in initial:
                counter.labels(*values)
            self.counters[name] = counter
        self.histograms: dict[str, Any] = {}
        for name, (text, labels, buckets, initial) in HISTOGRAMS.items():
            histogram = Histogram(name, text, labels, buckets=buckets, registry=target)
            for values in initial:
                histogram.labels(*values)
            self.histograms[name] = histogram
        self.gauges = {
            name: Gauge(name, text, labels, registry=target, multiprocess_mode="livesum")
            for name, (text, labels) in GAUGES.items()
        }


_instruments: _Instruments | None = None
_lock = threading.Lock()


def instruments() -> _Instruments:
    global _instruments
    current = _instruments
    if current is None:
        with _lock:
            if _instruments is None:
                _instruments = _Instruments()
            current = _instruments
    return current


def share_between_processes(directory: str) -> None:
    """Keep this host's figures in `directory`, shared by the processes forked from now on
    (`lms serve`); its old files are removed."""
    import glob
    import sys

    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    values = sys.modules.get("prometheus_client.values")
    if values is not None:  # imported before: its value class was chosen for one process
        setattr(values, "ValueClass", values.get_value_class())  # noqa: B010
    reset()


def reset() -> None:
    """Start from zero (tests; `lms serve` after it points PROMETHEUS_MULTIPROC_DIR elsewhere)."""
    global _instruments
    with _lock:
        _instruments = None


def increment(name: str, amount: float = 1.0, **labels: str) -> None:
    counter = instruments().counters[name]
    (counter.labels(**labels) if labels else counter).inc(amount)
    if name in EVENTS:
        app_insights.add(name, amount, labels)


# Committed messages that are business events (a rolled-back write publishes nothing).
_MESSAGE_COUNTERS = {
    "enrollment.created": "lms_enrollments_total",
    "enrollment.completed": "lms_course_completions_total",
    "certificate.issued": "lms_certificates_issued_total",
}


def count_committed(messages: Iterable[Any]) -> None:
    """Count the business events among messages a unit of work just committed."""
    for message in messages:
        kind = getattr(message, "type", None)
        if kind == "quiz.submitted":
            passed = bool(getattr(message, "is_passed", False))
            increment("lms_quiz_submissions_total", result="passed" if passed else "failed")
        elif kind in _MESSAGE_COUNTERS:
            increment(_MESSAGE_COUNTERS[kind])


def observe(name: str, value: float, **labels: str) -> None:
    histogram = instruments().histograms[name]
    (histogram.labels(**labels) if labels else histogram).observe(value)


def add_to_gauge(name: str, amount: float) -> None:
    instruments().gauges[name].inc(amount)


def http_request_finished(method: str, path: str, status: int, seconds: float) -> None:
    """One answered request; `path` is its route template ("/api/v1/courses/{course_id}"),
    never the path asked for, so scans of random URLs add no series."""
    found = instruments()
    found.counters["http_requests_total"].labels(method, path, str(status)).inc()
    found.histograms["http_request_duration_seconds"].labels(method, path).observe(seconds)


def exposition(figures: Iterable[Figure] = ()) -> bytes:
    """The text a scrape reads: this host's counters, then the figures read for this scrape."""
    from prometheus_client import CollectorRegistry, generate_latest

    found = instruments()
    if found.multiprocess_dir:
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=found.multiprocess_dir)  # type: ignore[no-untyped-call]
    else:
        registry = found.registry
    gauges = CollectorRegistry()
    gauges.register(_FigureCollector(list(figures)))
    return generate_latest(registry) + generate_latest(gauges)


class _FigureCollector:
    def __init__(self, figures: list[Figure]) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        families: dict[str, GaugeMetricFamily] = {}
        for figure in self.figures:
            family = families.get(figure.name)
            if family is None:
                family = GaugeMetricFamily(
                    figure.name, figure.help, labels=[name for name, _ in figure.labels]
                )
                families[figure.name] = family
            family.add_metric([value for _, value in figure.labels], figure.value)
        return list(families.values())
