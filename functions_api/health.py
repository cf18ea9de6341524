"""Liveness, readiness and the API root."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import Router, WithStatus
from shared.services.health import check_readiness
from shared.version import __version__

bp = func.Blueprint()
api = Router(bp, rate_limit=None)


# Azure treats an empty route as "use the function name"; an optional parameter that must be
# empty is the documented way to serve "/" with routePrefix "".
@api.get("{root:maxlength(0)?}")
def root_info(deps: Dependencies) -> dict[str, Any]:
    """Name and version of the API."""
    return {"message": "LMS Backend API", "name": deps.settings.APP_NAME, "version": __version__}


@api.get("api/v1/health")
def health_check() -> dict[str, Any]:
    """200 while the process answers; checks nothing else."""
    return {"status": "ok"}


@api.get("api/v1/ready", other_statuses=(503,))
def health_ready(deps: Dependencies) -> WithStatus[dict[str, Any]]:
    """200 when the database, broker and storage answer; 503 naming what is down.

    Also reports the mail transport (down: a warning, still 200, since the e-mails wait in
    the queue) and each queue's depth, oldest message age and dead letters.
    """
    readiness = check_readiness(deps)
    body: dict[str, Any] = {"status": "ok" if readiness.ready else "degraded"}
    body.update(readiness.components)
    if readiness.warnings:
        body["warnings"] = "; ".join(f"{name}: {why}" for name, why in readiness.warnings.items())
    if readiness.queues:
        body["queues"] = readiness.queues
    if not readiness.ready:
        body["detail"] = "; ".join(f"{name}: {why}" for name, why in readiness.problems.items())
    return WithStatus(body, 200 if readiness.ready else 503)
