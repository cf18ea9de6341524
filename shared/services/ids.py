"""Ids from paths: a route's `{x_id:guid}` parameter as a UUID, or the resource's 404."""

from __future__ import annotations

import uuid

from shared.domain.errors import ResourceNotFoundError


def parse_id(value: str | uuid.UUID, not_found: str) -> uuid.UUID:
    """A path id as a UUID. The host's `guid` constraint also admits .NET's "(...)" form."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value.strip().strip("(){}"))
    except ValueError:
        raise ResourceNotFoundError(not_found) from None
