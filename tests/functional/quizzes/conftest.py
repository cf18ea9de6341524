"""The clock every quiz test may move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.services.quizzes import authoring as quizzes
from tests.functional.quizzes.scenario import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The quiz services' clock, frozen at the start of the test and moved by it."""
    fake = Clock()
    monkeypatch.setattr(quizzes, "clock", fake)
    yield fake
