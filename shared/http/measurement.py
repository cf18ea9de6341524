"""Measuring each request in the pipeline: metrics by route template, and one log line.

    started = measurement.start(spec)
    ...
    measurement.finish(spec, status, started)

Recording costs no database round trip and holds no lock across I/O (metrics.py). The route
is the template the request matched ("/api/v1/courses/{course_id}"), never the path asked
for. /metrics is left out of its own figures, as in the reference.
"""

from __future__ import annotations

import logging
import re
import time

from shared.http.registry import RouteSpec
from shared.observability import metrics

access_log = logging.getLogger("lms.http.access")

UNMEASURED = frozenset({"metrics_scrape"})
# "{course_id:guid}" -> "{course_id}"; the root's empty "{root:maxlength(0)?}" -> "".
_CONSTRAINED = re.compile(r"\{(\*?\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")
_EMPTY_ONLY = re.compile(r"\{\w+:maxlength\(0\)\?\}")
_templates: dict[str, str] = {}


def route_template(spec: RouteSpec) -> str:
    template = _templates.get(spec.name)
    if template is None:
        template = "/" + _CONSTRAINED.sub(r"{\1}", _EMPTY_ONLY.sub("", spec.path))
        _templates[spec.name] = template
    return template


def start(spec: RouteSpec) -> float:
    if spec.name not in UNMEASURED:
        metrics.add_to_gauge("http_requests_in_progress", 1)
    return time.perf_counter()


def finish(spec: RouteSpec, status: int, started: float) -> None:
    seconds = time.perf_counter() - started
    route = route_template(spec)
    if spec.name not in UNMEASURED:
        metrics.add_to_gauge("http_requests_in_progress", -1)
        metrics.http_request_finished(spec.method, route, status, seconds)
    duration_ms = round(seconds * 1000, 1)
    access_log.info(
        "%s %s -> %d (%.1f ms)",
        spec.method,
        route,
        status,
        duration_ms,
        extra={"fields": {"method": spec.method, "status": status, "duration_ms": duration_ms}},
    )
