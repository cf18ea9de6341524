"""The one table from exceptions to HTTP statuses.

Domain errors map by family. Of the other exceptions, those that say the database cannot
serve now (shared/db_faults.py) are a DependencyUnavailableError: 503 with Retry-After, never
a 500; any other is a bug, which the pipeline logs and answers 500.
"""

from __future__ import annotations

from shared.db_faults import is_database_unavailable
from shared.domain.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    ContentTooLargeError,
    DependencyUnavailableError,
    DomainError,
    RateLimitExceededError,
    ResourceConflictError,
    ResourceGoneError,
    ResourceNotFoundError,
    RuleViolationError,
)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    ResourceNotFoundError: 404,
    ResourceGoneError: 410,
    ResourceConflictError: 409,
    AuthenticationRequiredError: 401,
    AccessDeniedError: 403,
    RuleViolationError: 400,
    ContentTooLargeError: 413,
    RateLimitExceededError: 429,
    DependencyUnavailableError: 503,
}


DATABASE_UNAVAILABLE = (
    "The service is temporarily unavailable: its database does not answer. "
    "Try again in a few seconds."
)


def domain_error_for(error: Exception) -> DomainError | None:
    """The domain error an infrastructure exception stands for; None for a bug."""
    if is_database_unavailable(error):
        return DependencyUnavailableError(DATABASE_UNAVAILABLE)
    return None


def status_for(error: DomainError) -> tuple[int, dict[str, str]]:
    """The status and extra headers for a domain error; the most specific family wins."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            status = STATUS_BY_ERROR[cls]
            break
    else:
        status = 400
    headers: dict[str, str] = {}
    if isinstance(error, RateLimitExceededError | DependencyUnavailableError):
        headers["Retry-After"] = str(max(1, error.retry_after))
    if isinstance(error, AuthenticationRequiredError):
        headers["WWW-Authenticate"] = "Bearer"
    return status, headers
