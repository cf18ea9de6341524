"""GET /metrics: Prometheus text, for the scraper that holds METRICS_TOKEN.

This host's counters (requests, sign-ins, business events, jobs, the pool) and, read for this
scrape, the figures true across every instance (queues, timers, consumers, ratios). Outside
the prefix and the OpenAPI document, exempt from rate limits and from its own metrics, as the
reference served it; unlike the reference, never public.
"""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import Router
from shared.observability import metrics
from shared.security.permissions import METRICS_SCRAPER
from shared.services.operations_figures import read_figures

bp = func.Blueprint()
api = Router(bp, access=METRICS_SCRAPER, rate_limit=None)


@api.get("metrics", in_schema=False)
def metrics_scrape(deps: Dependencies) -> func.HttpResponse:
    """The Prometheus exposition (Authorization: Bearer METRICS_TOKEN)."""
    return func.HttpResponse(
        metrics.exposition(read_figures(deps)),
        headers={"Content-Type": metrics.CONTENT_TYPE, "Cache-Control": "no-store"},
    )
