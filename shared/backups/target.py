"""Which database a backup reads or a restore writes, and how to reach it."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from shared.backups.postgres import Connection
from shared.config import Settings


@dataclass(frozen=True)
class Target:
    settings: Settings  # DATABASE_URL is the target's

    @property
    def url(self) -> str:
        return self.settings.DATABASE_URL

    @property
    def kind(self) -> Literal["postgresql", "sqlite"]:
        return "sqlite" if self.settings.is_sqlite else "postgresql"

    @property
    def shown(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def postgres(self) -> Connection:
        from shared.db import tls_context

        return Connection(
            self.url,
            tls_context(self.settings),
            self.settings.database_tls,
            self.settings.DATABASE_SSLROOTCERT,
        )

    def tls(self) -> ssl.SSLContext | bool | None:
        from shared.db import tls_context

        return None if self.settings.is_sqlite else tls_context(self.settings)


def target_for(settings: Settings, database_url: str | None) -> Target:
    """The settings' database, or `database_url` with the same TLS settings."""
    if not database_url:
        return Target(settings)
    try:
        url = Settings(DATABASE_URL=database_url).DATABASE_URL
    except ValidationError:
        raise ValueError(
            "--database-url takes sqlite:///path/to.db or postgresql://user@host:5432/db"
        ) from None
    return Target(settings.model_copy(update={"DATABASE_URL": url}))
