"""A webhook subscriber on this machine: `POST /local-webhooks/receive`, which `lms serve`
mounts outside production for the demo's subscription (shared/services/local_webhooks.py).

It does what a real subscriber does: it refuses a body over MAX_BODY_BYTES (413), checks the
Standard Webhooks signature and timestamp (401 when they do not verify), then answers 200 and
keeps the delivery as a JSON file under LOCAL_WEBHOOKS_DIR, with a line in the log. It never
touches the database (see local_webhooks on why).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from shared import bootstrap
from shared.http.pipeline import problem_response
from shared.http.problem import HttpProblem
from shared.local.body_limits import read_body
from shared.local.wsgi import StartResponse, build_request, request_headers, response_parts
from shared.security import webhook_signing
from shared.services.local_webhooks import (
    LOCAL_RECEIVER_PATH,
    MAX_BODY_BYTES,
    keep,
    receiver_secret,
)

log = logging.getLogger("lms.local.webhooks")

__all__ = ["LOCAL_RECEIVER_PATH", "MAX_BODY_BYTES", "LocalWebhookReceiver"]


class LocalWebhookReceiver:
    """The WSGI app mounted at LOCAL_RECEIVER_PATH."""

    def __repr__(self) -> str:
        return f"LocalWebhookReceiver({LOCAL_RECEIVER_PATH!r})"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            body = self._receive(environ)
        except HttpProblem as problem:
            response = problem_response(build_request(environ, {}), problem)
            status_text, headers, payload = response_parts(response)
            start_response(status_text, headers)
            return [payload]
        payload = json.dumps(body).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _receive(self, environ: dict[str, Any]) -> dict[str, str]:
        if str(environ.get("REQUEST_METHOD", "")).upper() != "POST":
            raise HttpProblem(405, "POST a webhook delivery to this URL", headers={"Allow": "POST"})
        body = read_body(environ, MAX_BODY_BYTES)
        headers = request_headers(environ)
        deps = bootstrap.current()
        now = deps.clock()
        try:
            webhook_signing.verify(
                receiver_secret(deps.settings), headers, body, now=int(now.timestamp())
            )
        except webhook_signing.SignatureMismatchError as exc:
            log.warning("webhook refused by the local receiver: %s", exc)
            raise HttpProblem(401, f"The delivery does not verify: {exc}.") from None
        path = keep(deps.settings, headers, body, now)
        log.info("webhook %s received and verified; kept in %s", headers["webhook-id"], path)
        return {"received": path.name}
