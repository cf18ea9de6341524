"""/api/v1/lessons (being built)."""

from __future__ import annotations

import azure.functions as func

bp = func.Blueprint()
