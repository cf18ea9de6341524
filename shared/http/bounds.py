"""What the adapter accepts from outside, before any model sees it.

JSON bodies: at most MAX_JSON_DEPTH levels of arrays and objects (a body nested deeper than
Python's recursion limit used to end in a RecursionError, a 500, on every JSON route); numbers
that a float or a 64-bit integer holds exactly enough (no NaN, no Infinity, no 5,000-digit
integers, no 1e400 read as infinity). Every string, in bodies, object keys, query parameters,
form fields and path parameters: no control characters but tab, line feed and carriage return,
and no lone surrogates. PostgreSQL refuses NUL in text (a 500 on the statement, whose
parameters then reached the log), terminals and mail headers misread the others, and a lone
surrogate cannot be encoded as UTF-8 at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from shared.http.problem import HttpProblem

MAX_JSON_DEPTH = 32
MAX_INTEGER_DIGITS = 19  # what a BIGINT column holds
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_CHARACTERS = (
    "must not contain control characters (tab and line breaks are fine) or lone surrogates"
)


def load_json(raw: bytes) -> Any:
    """The parsed body, or a 422 naming what is wrong with it."""
    try:
        data = json.loads(
            raw, parse_constant=_refuse_constant, parse_int=_integer, parse_float=_float
        )
    except RecursionError:
        raise _nested_too_deeply() from None
    except _UnrepresentableNumberError as exc:
        errors = [{"loc": ["body"], "msg": str(exc), "type": "number_invalid"}]
        raise HttpProblem(422, "The body holds a number out of range", errors=errors) from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        errors = [{"loc": ["body"], "msg": f"Invalid JSON: {exc}", "type": "json_invalid"}]
        raise HttpProblem(422, "The body is not valid JSON", errors=errors) from None
    _check_tree(data)
    return data


def check_strings(where: str, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
    """422 when a query parameter, form field or path parameter (name → value) carries a
    forbidden character."""
    pairs = values.items() if isinstance(values, Mapping) else values
    errors = [
        {"loc": [where, name], "msg": CONTROL_CHARACTERS, "type": "string_invalid"}
        for name, value in pairs
        if isinstance(value, str) and FORBIDDEN_CHARACTERS.search(value)
    ]
    if errors:
        raise HttpProblem(422, f"A {where} parameter holds a forbidden character", errors=errors)


def _check_tree(data: Any) -> None:
    """One pass over the parsed body: its depth and every string, keys included."""
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        item, path = stack.pop()
        if len(path) >= MAX_JSON_DEPTH and isinstance(item, dict | list):
            raise _nested_too_deeply()
        if isinstance(item, dict):
            for key, child in item.items():
                if FORBIDDEN_CHARACTERS.search(key):
                    raise _forbidden_character(path)
                stack.append((child, [*path, key]))
        elif isinstance(item, list):
            stack.extend((child, [*path, index]) for index, child in enumerate(item))
        elif isinstance(item, str) and FORBIDDEN_CHARACTERS.search(item):
            raise _forbidden_character(path)


def _nested_too_deeply() -> HttpProblem:
    errors = [
        {
            "loc": ["body"],
            "msg": f"arrays and objects may be nested at most {MAX_JSON_DEPTH} levels deep",
            "type": "json_too_deep",
        }
    ]
    return HttpProblem(422, "The body is nested too deeply", errors=errors)


def _forbidden_character(path: list[Any]) -> HttpProblem:
    errors = [{"loc": ["body", *path], "msg": CONTROL_CHARACTERS, "type": "string_invalid"}]
    return HttpProblem(422, "The body holds a forbidden character", errors=errors)


class _UnrepresentableNumberError(Exception):
    pass


def _refuse_constant(name: str) -> Any:
    raise _UnrepresentableNumberError(f"{name} is not a number JSON allows")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _UnrepresentableNumberError(f"integers have at most {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _UnrepresentableNumberError(f"{text} is beyond what a number can hold")
    return value
