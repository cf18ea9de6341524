from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.observability import metrics
from shared.services.heartbeats import consumer_beats
from tests.scrape import METRICS_TOKEN


@pytest.fixture(autouse=True)
def metrics_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """/metrics answers the tests' token; every test counts from zero, and its consumers beat
    afresh (the beats are written at most every 30 s per process)."""
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
    metrics.reset()
    consumer_beats.forget()
    yield
    metrics.reset()
