"""The message base class and the field types payloads share.

A payload is a contract between code deployed at different times (the API app publishes, the
jobs app consumes): add fields with defaults, and bump `version` for a change an older consumer
must not misread; never rename or remove one. Unknown fields are ignored, so an older consumer
reads what it knows of a newer payload.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, PlainSerializer

# The reference's Celery queues, one queue trigger each.
QUEUES = ("emails", "progress", "certificates", "webhooks")

# Aware timestamps, written as datetime.isoformat() writes them (2026-11-22T20:00:00+00:00).
Timestamp = Annotated[
    AwareDatetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)
]


class Message(BaseModel):
    """One queued message. Subclasses set the class variables and declare the payload fields."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1
    queues: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        queues = cls.__dict__.get("queues")
        if queues is not None and (not queues or set(queues) - set(QUEUES)):
            raise TypeError(f"{cls.__name__}.queues must name some of {', '.join(QUEUES)}")

    def payload(self) -> dict[str, Any]:
        """The fields as JSON values, as the envelope carries them."""
        return self.model_dump(mode="json")
