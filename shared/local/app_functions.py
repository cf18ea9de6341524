"""The functions of a FunctionApp, grouped by trigger, each callable the way the worker calls it.

The Python worker passes the trigger value by the binding's name (`req`, `timer`, `msg`); an
`async def` function is awaited. Output bindings are not emulated: no function here uses them.

`FunctionApp.get_functions()` works once per app (a second call raises "does not have a unique
function name"), so read an app with `functions_of` once and keep the result.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func


@dataclass(frozen=True)
class HttpFunction:
    name: str
    route: str
    methods: frozenset[str] | None  # None: every method
    call: Callable[[func.HttpRequest], Any]


@dataclass(frozen=True)
class TimerFunction:
    name: str
    schedule: str
    call: Callable[[func.TimerRequest], Any]


@dataclass(frozen=True)
class QueueFunction:
    name: str
    queue_name: str
    call: Callable[[Any], Any]


@dataclass
class AppFunctions:
    http: list[HttpFunction] = field(default_factory=list)
    timers: list[TimerFunction] = field(default_factory=list)
    queues: list[QueueFunction] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # "name (triggerType)"


def _caller(fn: Callable[..., Any], binding_name: str) -> Callable[[Any], Any]:
    def call(value: Any) -> Any:
        result = fn(**{binding_name: value})
        if inspect.isawaitable(result):
            return asyncio.run(_awaited(result))
        return result

    return call


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _method_name(method: Any) -> str:
    return str(getattr(method, "value", method)).upper()


class AppSettingMissingError(LookupError):
    """A trigger names an app setting (`%NAME%`) that has no value."""


def resolve_app_setting(value: str) -> str:
    """Expand `%NAME%` the way the host does: from the app's settings, else the environment."""
    if not (len(value) > 2 and value.startswith("%") and value.endswith("%")):
        return value
    name = value[1:-1]
    from shared.config import get_settings

    resolved = getattr(get_settings(), name, None) or os.environ.get(name)
    if not resolved:
        raise AppSettingMissingError(f"{value} names the setting {name}, which is not set")
    return str(resolved)


def functions_of(app: func.FunctionApp) -> AppFunctions:
    found = AppFunctions()
    for function in app.get_functions():
        name = str(function.get_function_name())
        trigger = function.get_trigger()
        spec: dict[str, Any] = trigger.get_dict_repr() if trigger is not None else {}
        call = _caller(function.get_user_function(), str(spec.get("name", "")))
        kind = spec.get("type")
        if kind == "httpTrigger":
            methods = spec.get("methods")
            found.http.append(
                HttpFunction(
                    name=name,
                    # Azure's default route is the function name.
                    route=name if spec.get("route") is None else str(spec["route"]),
                    methods=frozenset(map(_method_name, methods)) if methods else None,
                    call=call,
                )
            )
        elif kind == "timerTrigger":
            found.timers.append(TimerFunction(name, resolve_app_setting(spec["schedule"]), call))
        elif kind == "serviceBusTrigger" and spec.get("queueName"):
            queue = resolve_app_setting(spec["queueName"])
            found.queues.append(QueueFunction(name, queue, call))
        else:
            found.unsupported.append(f"{name} ({kind})")
    return found
