"""Business and sign-in events as Application Insights custom metrics.

With PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true the Functions worker configures the
Azure Monitor OpenTelemetry distro itself, before the app is imported, and installs its meter
provider as OpenTelemetry's global one. The app never imports the Azure Monitor SDK (about
0.45 s and 50 MB at start-up): it adds to counters of that global provider, through the light
OpenTelemetry API, imported at the first event and only where the setting is on.
Each counter becomes a customMetrics row named like its Prometheus counter.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

_enabled = False
_meter: Any = None
_counters: dict[str, Any] = {}
_lock = threading.Lock()


def enable(on: bool) -> None:
    """Send events to OpenTelemetry's global meter provider (the composition root decides)."""
    global _enabled, _meter
    with _lock:
        _enabled = on
        _meter = None
        _counters.clear()


def enabled() -> bool:
    return _enabled


def add(name: str, amount: float, labels: Mapping[str, str]) -> None:
    if not _enabled:
        return
    counter = _counters.get(name)
    if counter is None:
        counter = _counter(name)
    counter.add(amount, dict(labels))


def _counter(name: str) -> Any:
    global _meter
    with _lock:
        if _meter is None:
            from opentelemetry import metrics

            _meter = metrics.get_meter("lms")
        counter = _counters.get(name)
        if counter is None:
            counter = _counters[name] = _meter.create_counter(name)
        return counter
