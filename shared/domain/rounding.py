"""Numbers as the API shows them and the database stores them: two places, half up.

PostgreSQL rounds numeric(…, 2) half up; Python's round() rounds half to even on binary
floats (30.555 is 30.55499… there). Every figure goes through `two_places` so both databases,
the services and the request schemas agree to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def as_decimal(value: object) -> Decimal:
    """A database or client number as a Decimal; None is 0.

    Through str(): a float's shortest form, 50.5 and not 50.4999…; PostgreSQL answers Decimal,
    SQLite float.
    """
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def two_places(value: object) -> float:
    """`value` rounded half up to two decimal places (None is 0)."""
    return float(as_decimal(value).quantize(CENT, ROUND_HALF_UP))
