from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.bootstrap import Dependencies
from tests.clock import ManualClock


@pytest.fixture
def allow_local(
    monkeypatch: pytest.MonkeyPatch, install_dependencies: Callable[..., Dependencies]
) -> Dependencies:
    """Receivers on 127.0.0.1 allowed, as a developer would, and a 1 s timeout."""
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "1")
    return install_dependencies()


@pytest.fixture
def local_clock(
    allow_local: Dependencies, install_dependencies: Callable[..., Dependencies]
) -> ManualClock:
    """As allow_local, with a clock the test moves, read by everything the test calls."""
    manual = ManualClock()
    install_dependencies(clock=manual)
    return manual
