"""The one table from exceptions to HTTP statuses."""

from __future__ import annotations

from shared.domain.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    DependencyUnavailableError,
    DomainError,
    RateLimitExceededError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    ResourceNotFoundError: 404,
    ResourceConflictError: 409,
    AuthenticationRequiredError: 401,
    AccessDeniedError: 403,
    RuleViolationError: 400,
    RateLimitExceededError: 429,
    DependencyUnavailableError: 503,
}


def status_for(error: DomainError) -> tuple[int, dict[str, str]]:
    """The status and extra headers for a domain error; the most specific family wins."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            status = STATUS_BY_ERROR[cls]
            break
    else:
        status = 400
    headers: dict[str, str] = {}
    if isinstance(error, RateLimitExceededError):
        headers["Retry-After"] = str(max(1, error.retry_after))
    if isinstance(error, AuthenticationRequiredError):
        headers["WWW-Authenticate"] = "Bearer"
    return status, headers
