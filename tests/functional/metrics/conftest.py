from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.observability import metrics
from tests.scrape import METRICS_TOKEN


@pytest.fixture(autouse=True)
def metrics_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """/metrics answers the tests' token; every test counts from zero."""
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
    metrics.reset()
    yield
    metrics.reset()
