"""sendEmail: the LMS backend's signed, idempotent relay from HTTPS to SMTP.

Firebase deploys this folder alone, so nothing here imports the backend's `shared` package.
Only a request signed with SEND_EMAIL_SIGNING_SECRET sends (signing.py has the scheme), always
from MAIL_FROM, only to ALLOWED_RECIPIENT_DOMAINS when set: never an open relay. Each message
id is sent once (delivery_log.py). No CORS headers: browsers have no business calling this.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import delivery_log
import signing
from delivery_log import DeliveryLog
from email_config import (
    SEND_EMAIL_SIGNING_SECRET,
    SMTP_PASSWORD,
    RelayConfig,
    RelayMisconfiguredError,
    load_config,
)
from email_request import EmailRequest, InvalidEmailRequestError, parse_email_request
from firebase_functions import https_fn, options
from smtp_delivery import SmtpDeliveryError, build_message, deliver
from werkzeug.exceptions import RequestEntityTooLarge

MAX_BODY_BYTES = 256 * 1024
RETRY_AFTER_SECONDS = 30

log = logging.getLogger("sendEmail")


@https_fn.on_request(
    secrets=[SEND_EMAIL_SIGNING_SECRET, SMTP_PASSWORD],
    timeout_sec=120,
    max_instances=10,
    memory=options.MemoryOption.MB_256,
)
def sendEmail(req: https_fn.Request) -> https_fn.Response:
    """POST a signed JSON message; answers what the SMTP server said. See README.md."""
    return send_email(req, delivery_log.process_delivery_log, time.time)


def send_email(
    request: https_fn.Request,
    delivery_log_of_process: Callable[[], DeliveryLog],
    clock: Callable[[], float],
) -> https_fn.Response:
    """The whole request: refuse early and cheaply, then claim, send, record, answer."""
    if request.method != "POST":
        return _error(405, "method_not_allowed", "Use POST.", headers={"Allow": "POST"})
    if request.mimetype != "application/json":
        return _error(415, "unsupported_media_type", "Send the message as application/json.")
    body = _body(request)
    if body is None:
        return _error(413, "too_large", f"The body must be at most {MAX_BODY_BYTES} bytes.")
    try:
        config = load_config()
    except RelayMisconfiguredError as exc:
        log.error("sendEmail is misconfigured: %s", exc)
        return _error(503, "relay_misconfigured", str(exc), permanent=False)
    try:
        signing.verify(
            config.signing_secret,
            request.headers.get(signing.TIMESTAMP_HEADER),
            request.headers.get(signing.SIGNATURE_HEADER),
            body,
            now=clock(),
        )
    except signing.SignatureError as exc:
        return _error(401, "unauthorized", str(exc), headers={"WWW-Authenticate": "LMS-HMAC-v1"})
    try:
        message = parse_email_request(_json_object(body))
    except ValueError as exc:
        return _error(400, "invalid_json", f"The body is not a JSON object ({exc}).")
    except InvalidEmailRequestError as exc:
        errors = [{"field": p.field, "message": p.message} for p in exc.problems]
        return _error(400, "invalid_request", str(exc), errors=errors)
    outside = message.recipients_outside(config.allowed_recipient_domains)
    if outside:
        return _error(
            403,
            "recipient_not_allowed",
            "This relay only sends to ALLOWED_RECIPIENT_DOMAINS.",
            recipients=outside,
            permanent=True,
        )
    return _claim_and_send(message, config, delivery_log_of_process, clock)


def _claim_and_send(
    message: EmailRequest,
    config: RelayConfig,
    delivery_log_of_process: Callable[[], DeliveryLog],
    clock: Callable[[], float],
) -> https_fn.Response:
    now = datetime.fromtimestamp(clock(), UTC)
    try:
        records = delivery_log_of_process()
        claim = records.claim(message.message_id, message.fingerprint(), now)
    except Exception:  # Firestore unreachable or not authorised: do not send unrecorded mail
        log.exception("sendEmail could not claim message %s", message.message_id)
        return _error(
            503,
            "delivery_log_unavailable",
            "Could not record the message before sending; retry later.",
            permanent=False,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if claim.outcome == "sent":
        return _sent(message.message_id, claim.smtp_queue_id, duplicate=True)
    if claim.outcome == "in_progress":
        return _error(
            409,
            "in_progress",
            "Another request is sending this message_id; retry later to get its result.",
            permanent=False,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if claim.outcome == "conflict":
        return _error(
            409,
            "message_id_conflict",
            "This message_id was used for other recipients or another subject; "
            "give every message its own id.",
            permanent=True,
        )

    mime = build_message(
        mail_from=config.mail_from,
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        reply_to=message.reply_to,
        message_id=message.message_id,
        sender_domain=config.sender_domain,
        date=now,
    )
    try:
        accepted = deliver(config.smtp, config.envelope_from, message.to, mime.as_bytes())
    except SmtpDeliveryError as exc:
        # The detail names recipients; the log gets only what identifies the failure.
        log.warning(
            "sendEmail %s not delivered: %s %s (permanent: %s)",
            message.message_id,
            exc.error,
            exc.smtp_code,
            exc.permanent,
        )
        _record(records.mark_failed, message.message_id, exc.detail, exc.permanent, now)
        return _json(502, {**exc.as_body(), "message_id": message.message_id})
    except Exception as exc:
        # A bug, not an SMTP answer: free the claim so a retry after the fix is not held up.
        _record(records.mark_failed, message.message_id, repr(exc), False, now)
        raise
    log.info(
        "sendEmail %s accepted for %d recipient(s): %s",
        message.message_id,
        len(message.to),
        accepted.reply,
    )
    queue_id = accepted.queue_id or accepted.reply
    _record(records.mark_sent, message.message_id, queue_id, datetime.fromtimestamp(clock(), UTC))
    return _sent(message.message_id, queue_id, duplicate=False)


def _record(mark: Callable[..., None], message_id: str, *args: Any) -> None:
    # The SMTP outcome is the answer; a record that cannot be written only weakens idempotency
    # (the "sending" claim goes stale and a retry may send again), so it must not fail the call.
    try:
        mark(message_id, *args)
    except Exception:
        log.exception("sendEmail could not record the outcome of %s", message_id)


def _body(request: https_fn.Request) -> bytes | None:
    """The raw body (it is what was signed), or None when it is over the cap."""
    request.max_content_length = MAX_BODY_BYTES
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        return None


def _json_object(body: bytes) -> Any:
    def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("a key appears twice")
        return dict(pairs)

    return json.loads(body.decode("utf-8"), object_pairs_hook=no_duplicate_keys)


def _sent(message_id: str, smtp_queue_id: str | None, *, duplicate: bool) -> https_fn.Response:
    body = {
        "status": "sent",
        "message_id": message_id,
        "smtp_queue_id": smtp_queue_id,
        "duplicate": duplicate,
    }
    return _json(200, body)


def _error(
    status: int,
    error: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> https_fn.Response:
    return _json(status, {"error": error, "detail": detail, **extra}, headers)


def _json(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> https_fn.Response:
    response = https_fn.Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.update(headers or {})
    return response
