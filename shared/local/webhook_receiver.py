"""A webhook subscriber on this machine: `POST /local-webhooks/receive`, which `lms serve`
mounts outside production for the demo's subscription (shared/services/local_webhooks.py).

It does what a real subscriber does: it refuses a body over MAX_BODY_BYTES (413), checks the
Standard Webhooks signature and timestamp (401 when they do not verify), then answers 200 and
keeps the delivery as a JSON file under LOCAL_WEBHOOKS_DIR, with a line in the log. It never
touches the database (see local_webhooks on why).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from shared import bootstrap
from shared.http.problem import HttpProblem
from shared.local.body_limits import read_body
from shared.local.wsgi import StartResponse, answer_json, answer_problem, request_headers
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
            return answer_problem(environ, start_response, problem)
        return answer_json(start_response, 200, body)

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
