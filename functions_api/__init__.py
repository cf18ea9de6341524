"""HTTP triggers, one module per resource; each exposes `bp`."""

from __future__ import annotations

import importlib

import azure.functions as func

MODULES = (
    "health",
    "cors",
    "auth",
    "users",
    "admin",
    "instructors",
    "courses",
    "lessons",
    "enrollments",
    "quizzes",
    "analytics",
)


def blueprints() -> list[func.Blueprint]:
    return [importlib.import_module(f"functions_api.{name}").bp for name in MODULES]
