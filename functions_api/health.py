"""Liveness, readiness and the API root."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from shared.config import get_settings
from shared.http import Request, route
from shared.services.health import check_readiness
from shared.version import __version__

bp = func.Blueprint()


# Azure treats an empty route as "use the function name"; an optional parameter that must be
# empty is the documented way to serve "/" with routePrefix "".
@route(bp, "GET", "{root:maxlength(0)?}", name="root_info", rate_limit=None)
def root_info(request: Request) -> dict[str, Any]:
    """Name and version of the API."""
    settings = get_settings()
    return {"message": "LMS Backend API", "name": settings.APP_NAME, "version": __version__}


@route(bp, "GET", "api/v1/health", name="health_check", rate_limit=None)
def health_check(request: Request) -> dict[str, Any]:
    """200 while the process answers; checks nothing else."""
    return {"status": "ok"}


@route(bp, "GET", "api/v1/ready", name="health_ready", rate_limit=None)
def health_ready(request: Request) -> func.HttpResponse:
    """200 when the database, broker and storage answer; 503 naming what is down.

    Also reports each queue's depth, oldest message age and dead letters.
    """
    readiness = check_readiness(get_settings())
    body: dict[str, Any] = {"status": "ok" if readiness.ready else "degraded"}
    body.update(readiness.components)
    if readiness.queues:
        body["queues"] = readiness.queues
    if not readiness.ready:
        body["detail"] = "; ".join(f"{name}: {why}" for name, why in readiness.problems.items())
    return func.HttpResponse(
        json.dumps(body),
        status_code=200 if readiness.ready else 503,
        headers={"Content-Type": "application/json"},
        mimetype="application/json",
    )
