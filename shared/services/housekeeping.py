"""Deleting rows whose time is over, so tables stay the size of their working set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Delete, delete, or_

from shared.config import Settings
from shared.domain.inbox import ProcessedMessage
from shared.domain.mail import DeliveryStatus, EmailDelivery
from shared.domain.mfa import MfaCode
from shared.domain.queue_messages import COMPLETED, QueuedMessage
from shared.domain.throttling import LoginFailure, RateLimitCounter
from shared.domain.tokens import RefreshToken, SpentToken
from shared.domain.webhooks import DeliveryState, WebhookAttempt, WebhookDelivery
from shared.uow import UnitOfWork

# A day's grace past expiry: a refresh in flight at the moment of expiry, on an instance whose
# clock runs a little behind, must not find its row gone halfway through.
REFRESH_TOKEN_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class PurgeResult:
    inbox_rows: int
    settled_queue_messages: int
    rate_limit_counters: int
    spent_tokens: int
    mfa_codes: int
    refresh_tokens: int
    login_failures: int
    sent_email_records: int
    webhook_attempts: int
    webhook_deliveries: int


def purge_expired(uow: UnitOfWork, settings: Settings) -> PurgeResult:
    """Forget what no longer matters, in one transaction:

    - handled message ids after INBOX_RETENTION_DAYS;
    - completed local-queue messages after the duplicate-detection window;
    - rate-limit counters of windows that have ended;
    - spent token ids and MFA codes past their expiry (the tokens are refused anyway);
    - refresh tokens expired more than a day ago;
    - failed-login counters older than ACCOUNT_LOCKOUT_DURATION_SECONDS, unless still locked;
    - records of sent e-mails after INBOX_RETENTION_DAYS (rejected ones stay: they are the
      record of a mail that never arrived);
    - the webhook delivery log, and finished deliveries, after WEBHOOK_LOG_RETENTION_DAYS.
    """
    now = uow.clock()
    inbox_cutoff = now - timedelta(days=settings.INBOX_RETENTION_DAYS)
    queue_cutoff = now - timedelta(seconds=settings.QUEUE_DUPLICATE_DETECTION_WINDOW_SECONDS)
    log_cutoff = now - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    lockout_cutoff = now - timedelta(seconds=settings.ACCOUNT_LOCKOUT_DURATION_SECONDS)
    statements: dict[str, Delete] = {
        "inbox_rows": delete(ProcessedMessage).where(ProcessedMessage.processed_at < inbox_cutoff),
        "settled_queue_messages": delete(QueuedMessage).where(
            QueuedMessage.state == COMPLETED, QueuedMessage.settled_at < queue_cutoff
        ),
        "rate_limit_counters": delete(RateLimitCounter).where(
            RateLimitCounter.window_ends_at <= now
        ),
        "spent_tokens": delete(SpentToken).where(SpentToken.expires_at <= now),
        "mfa_codes": delete(MfaCode).where(MfaCode.expires_at <= now),
        "refresh_tokens": delete(RefreshToken).where(
            RefreshToken.expires_at < now - REFRESH_TOKEN_GRACE
        ),
        "login_failures": delete(LoginFailure).where(
            LoginFailure.window_started_at < lockout_cutoff,
            or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
        ),
        "sent_email_records": delete(EmailDelivery).where(
            EmailDelivery.status == DeliveryStatus.SENT.value,
            EmailDelivery.attempted_at < inbox_cutoff,
        ),
        # Attempts first: a delivery still pending keeps its row, past attempts go.
        "webhook_attempts": delete(WebhookAttempt).where(WebhookAttempt.attempted_at < log_cutoff),
        "webhook_deliveries": delete(WebhookDelivery).where(
            WebhookDelivery.created_at < log_cutoff,
            WebhookDelivery.status != DeliveryState.PENDING.value,
        ),
    }
    counts: dict[str, Any] = {}
    for field, statement in statements.items():
        result = uow.session.execute(statement)
        counts[field] = int(result.rowcount)  # type: ignore[attr-defined]
    uow.commit()
    return PurgeResult(**counts)
