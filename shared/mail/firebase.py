"""MAIL_TRANSPORT=firebase: a signed POST to the Firebase `sendEmail` function, which sends
through its SMTP provider.

The contract (functions_email/main.py serves the other side):

    POST SEND_EMAIL_URL
    Content-Type: application/json
    X-LMS-Timestamp: <unix seconds>
    X-LMS-Signature: v1=<hex HMAC-SHA256(key=secret, msg=f"{timestamp}.".encode() + body)>
    {"to", "subject", "text", "html", "message_id"}     (also accepted: "reply_to")

    200 {"status": "sent", "message_id", "smtp_queue_id", "duplicate"?}   -> sent
    4xx/5xx {"error", "detail", "permanent": true}                        -> rejected
        (502 smtp_rejected on an SMTP 5xx, 403 recipient_not_allowed, ...)
    anything else: "permanent": false or absent (502 smtp_unavailable,
        400 invalid_request, 401, 409 in_progress, 503), no answer          -> retried

`message_id` is the queue message id: the function uses it as the Message-ID and drops a
second request with the same id ("duplicate"), so a retry after a lost answer sends once.
Redirects are not followed: a POST that is redirected would arrive without its body.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from shared.config import Settings
from shared.domain.errors import DependencyUnavailableError
from shared.mail.delivery import DeliveryResult, MailTransportUnavailableError
from shared.mail.rendering import RenderedEmail
from shared.observability.logging import redact

SIGNATURE_VERSION = "v1"
MAX_ANSWER_BYTES = 64 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


class FirebaseTransport:
    name = "firebase"

    def __init__(self, url: str, secret: str, *, timeout: float = 30.0) -> None:
        if urlsplit(url).scheme not in ("https", "http"):
            raise ValueError("SEND_EMAIL_URL must be an http(s) URL")
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    @classmethod
    def from_settings(cls, settings: Settings) -> FirebaseTransport:
        return cls(
            settings.SEND_EMAIL_URL or "",
            settings.SEND_EMAIL_SIGNING_SECRET or "",
            timeout=settings.SEND_EMAIL_TIMEOUT_SECONDS,
        )

    def __repr__(self) -> str:
        return f"FirebaseTransport({self._where})"

    @property
    def _where(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}{parts.path}"

    def send(self, email: RenderedEmail, message_id: str) -> DeliveryResult:
        body = json.dumps(
            {
                "to": email.to,
                "subject": email.subject,
                "text": email.text,
                "html": email.html,
                "message_id": message_id,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-LMS-Timestamp": timestamp,
                "X-LMS-Signature": signature(self._secret, timestamp, body),
            },
        )
        try:
            status, answer = self._post(request)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise self._unavailable(f"no answer ({type(exc).__name__}: {reason})") from exc
        return self._outcome(status, answer)

    def check(self) -> None:
        """The function's host name resolves. A POST would send mail, and an unsigned one is
        refused, so the delivery itself is what proves the rest."""
        host = urlsplit(self.url).hostname or ""
        try:
            socket.getaddrinfo(host, None)
        except OSError as exc:
            raise DependencyUnavailableError(
                f"sendEmail at {self._where}: the host name does not resolve "
                f"({type(exc).__name__}); e-mails wait in the queue — check SEND_EMAIL_URL"
            ) from exc

    def _post(self, request: urllib.request.Request) -> tuple[int, dict[str, Any]]:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, _json(response.read(MAX_ANSWER_BYTES))
        except urllib.error.HTTPError as exc:  # any status but 2xx, with its body
            with exc:
                return exc.code, _json(exc.read(MAX_ANSWER_BYTES))

    def _outcome(self, status: int, answer: dict[str, Any]) -> DeliveryResult:
        if status == 200 and answer.get("status") == "sent":
            return DeliveryResult.sent(
                self.name, str(answer.get("smtp_queue_id") or answer.get("message_id") or "")
            )
        problem = f"{answer.get('error', 'no error given')}: {answer.get('detail', '')}"
        # The function knows whether a retry can help; without its word, retry (a 400 is
        # our bug: after the retries it waits in the dead-letter queue for a fix and a replay).
        if status >= 400 and answer.get("permanent") is True:
            return DeliveryResult.rejected(self.name, redact(problem))
        raise self._unavailable(f"answered {status} ({problem})")

    def _unavailable(self, what: str) -> MailTransportUnavailableError:
        return MailTransportUnavailableError(
            redact(
                f"sendEmail at {self._where}: {what}; the queue retries — if it persists, "
                "check SEND_EMAIL_URL, SEND_EMAIL_SIGNING_SECRET (the same in both apps) "
                "and the function's logs"
            )
        )


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"error": "not_json", "detail": raw[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"error": "not_an_object"}
