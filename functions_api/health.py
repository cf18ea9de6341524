"""Liveness, readiness and the API root."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.config import Settings
from shared.http import Router, WithStatus
from shared.services.health import check_readiness
from shared.version import __version__

bp = func.Blueprint()
api = Router(bp, rate_limit=None)


# Azure treats an empty route as "use the function name"; an optional parameter that must be
# empty is the documented way to serve "/" with routePrefix "".
@api.get("{root:maxlength(0)?}")
def root_info() -> dict[str, Any]:
    """The reference's greeting, exactly: its clients compare it. Name and version: /health."""
    return {"message": "LMS Backend API"}


@api.get("api/v1/health")
def health_check(settings: Settings) -> dict[str, Any]:
    """200 while the process answers, with the API's name and version; checks nothing else."""
    return {"status": "ok", "name": settings.APP_NAME, "version": __version__}


@api.get("api/v1/ready", other_statuses=(503,))
def health_ready(deps: Dependencies) -> WithStatus[dict[str, Any]]:
    """200 when the database, state store, broker and storage answer; 503 naming what is down.
    The reference's keys come first: `status`, `database`, and `redis`, which here is the state
    store that took over Redis's roles (the rate-limit, lockout and revoked-token tables).

    Also reports the mail transport (down: a warning, still 200, since the e-mails wait in
    the queue) and each queue's depth, oldest message age and dead letters; each timer's
    last success and failure, and when each queue's consumers were last seen (a warning
    names workers that look down: shared/services/workers.py).
    """
    readiness = check_readiness(deps)
    body: dict[str, Any] = {"status": "ok" if readiness.ready else "degraded"}
    body.update(readiness.components)
    if readiness.warnings:
        body["warnings"] = "; ".join(f"{name}: {why}" for name, why in readiness.warnings.items())
    if readiness.queues:
        body["queues"] = readiness.queues
    if readiness.timers:
        body["timers"] = readiness.timers
    if readiness.consumers:
        body["consumers"] = readiness.consumers
    if not readiness.ready:
        body["detail"] = "; ".join(f"{name}: {why}" for name, why in readiness.problems.items())
    return WithStatus(body, 200 if readiness.ready else 503)
