"""The version reported by `GET /` and `lms --version`, and the schema revision the code needs."""

__version__ = "0.1.0"

# The head of migrations/versions: what `/ready` expects the database to be at. Kept here so
# a readiness probe needs no alembic import (a quarter of a second, paid by the first probe of
# every worker); tests/integration/test_migrations.py fails when a migration is added and
# this is not moved with it.
SCHEMA_REVISION = "0014"
