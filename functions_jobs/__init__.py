"""Service Bus queue triggers and timer triggers; each module exposes `bp`."""

from __future__ import annotations

import importlib

import azure.functions as func

MODULES = ("queues", "schedules")


def blueprints() -> list[func.Blueprint]:
    return [importlib.import_module(f"functions_jobs.{name}").bp for name in MODULES]
