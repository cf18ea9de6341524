"""Business and sign-in events as Application Insights custom metrics: what the app hands to
OpenTelemetry's global meter provider, which the Functions worker points at Azure Monitor.
Here the provider is the OpenTelemetry SDK's own, read by its in-memory reader."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.observability import app_insights, metrics

REPO_ROOT = Path(__file__).resolve().parents[3]

PROGRAM = """
from opentelemetry import metrics as otel
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

reader = InMemoryMetricReader()
otel.set_meter_provider(MeterProvider(metric_readers=[reader]))  # what the worker does

from shared import bootstrap
from shared.config import Settings
from shared.observability import metrics

bootstrap.build(Settings(PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=True))
metrics.increment("auth_failed_login_attempts_total")
metrics.increment("auth_failed_login_attempts_total")
metrics.increment("lms_quiz_submissions_total", result="passed")
metrics.increment("lms_jobs_processed_total", queue="emails")  # not an event: not sent

points = {}
for resource in reader.get_metrics_data().resource_metrics:
    for scope in resource.scope_metrics:
        for metric in scope.metrics:
            for point in metric.data.data_points:
                points[(metric.name, tuple(sorted(point.attributes.items())))] = point.value
print(sorted(points.items()))
"""


def test_events_reach_the_global_meter_provider_when_telemetry_is_on() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            (("auth_failed_login_attempts_total", ()), 2.0),
            (("lms_quiz_submissions_total", (("result", "passed"),)), 1.0),
        ]
    )


@pytest.fixture
def telemetry_off() -> Iterator[None]:
    app_insights.enable(False)
    metrics.reset()
    yield
    metrics.reset()


def test_nothing_is_imported_or_sent_while_telemetry_is_off(telemetry_off: None) -> None:
    program = (
        "import sys\n"
        "from shared import bootstrap\n"
        "from shared.observability import metrics\n"
        "bootstrap.build()\n"
        "metrics.increment('auth_failed_login_attempts_total')\n"
        "assert 'opentelemetry' not in sys.modules, 'imported while off'\n"
        "assert not any(m.startswith('azure.monitor') for m in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0, result.stderr


def test_each_event_counter_is_made_once_and_takes_the_event_labels() -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    app_insights.enable(True)
    try:
        # The worker's global provider stands here as one of the SDK's, not installed globally.
        app_insights._meter = MeterProvider(metric_readers=[reader]).get_meter("lms")
        for _ in range(3):
            app_insights.add("auth_mfa_failures_total", 1, {})
        app_insights.add("lms_user_registrations_total", 1, {"role": "student"})
        assert sorted(app_insights._counters) == [
            "auth_mfa_failures_total",
            "lms_user_registrations_total",
        ]
    finally:
        app_insights.enable(False)
    points = {
        (metric.name, tuple(point.attributes.items())): point.value
        for resource in reader.get_metrics_data().resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        for point in metric.data.data_points
    }
    assert points == {
        ("auth_mfa_failures_total", ()): 3,
        ("lms_user_registrations_total", (("role", "student"),)): 1,
    }
