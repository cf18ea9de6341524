"""What the work in progress is, for logs and for the messages it causes.

The request id (X-Request-ID, or the message's correlation id in a consumer) and the fields
every log line of this work carries in JSON: route, user id, queue, message id, timer,
and the Functions invocation id where the worker runs us.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "lms_request_id", default=None
)
_NO_FIELDS: Mapping[str, str] = MappingProxyType({})
_fields: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "lms_log_fields", default=_NO_FIELDS
)


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def request_context(request_id: str) -> Iterator[None]:
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def current_fields() -> Mapping[str, str]:
    return _fields.get()


@contextmanager
def log_fields(**fields: str | None) -> Iterator[None]:
    """Add `fields` (None values left out) to every log line of the block."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


def add_log_fields(**fields: str) -> None:
    """Add fields learnt midway (the user, once authenticated) until the block ends."""
    _fields.set({**_fields.get(), **fields})


def invocation_id() -> str | None:
    """The Functions invocation id of the running function under the Python worker (which
    keeps it per thread); None elsewhere. Read from the loaded worker, never imported."""
    dispatcher = sys.modules.get("azure_functions_worker.dispatcher")
    getter = getattr(dispatcher, "get_current_invocation_id", None)
    if getter is None:
        return None
    try:
        value = getter()
    except Exception:
        return None
    return str(value) if value else None
