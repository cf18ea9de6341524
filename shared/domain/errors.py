"""Domain errors. Services raise these; `shared.http.errors` maps each family to one status.

The message is shown to the client as `detail`, so it says what went wrong and, where it can,
what to do next. Never put secrets or other users' data in it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client may see."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r})"


class ResourceNotFoundError(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class ResourceGoneError(ResourceNotFoundError):
    """The thing existed and was withdrawn for good (a revoked certificate)."""


class ResourceConflictError(DomainError):
    """The request clashes with what is stored (a duplicate, a stale state)."""


class AuthenticationRequiredError(DomainError):
    """No valid credentials came with the request."""


class AccessDeniedError(DomainError):
    """The caller is known but may not do this."""


class RuleViolationError(DomainError):
    """The request is well-formed but breaks a business rule."""


class ContentTooLargeError(RuleViolationError):
    """What was sent is larger than the limit allows (413)."""


class QuotaExceededError(ResourceConflictError):
    """Storing this would take the caller past their storage quota."""


class RateLimitExceededError(DomainError):
    """Too many requests; `retry_after` says in how many seconds to try again."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


# What a 503 tells a client to wait before trying again: long enough for a pool to reconnect
# or a failover to finish, short enough that a blip costs little.
DEPENDENCY_RETRY_AFTER_SECONDS = 5


class DependencyUnavailableError(DomainError):
    """A component the request needs (database, broker, storage) does not answer; `retry_after`
    says in how many seconds to try again."""

    def __init__(self, detail: str, retry_after: int = DEPENDENCY_RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
