"""/api/v1/enrollments (being built)."""

from __future__ import annotations

import azure.functions as func

bp = func.Blueprint()
