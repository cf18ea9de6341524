"""/api/v1/courses (being built)."""

from __future__ import annotations

import azure.functions as func

bp = func.Blueprint()
