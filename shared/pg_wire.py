"""pg8000 with one network round trip per statement, and each statement parsed and planned
once per connection.

pg8000 (1.31) runs every statement with parameters, and BEGIN, COMMIT and ROLLBACK too, as
three exchanges with the server: Parse and Sync; Describe, Sync and Bind; Execute and Sync.
Each exchange is a send, a wait and a wake-up on both sides, so a request of three statements
made nine of them, and on a small machine the database server's share of those wake-ups is CPU
taken from the requests. PostgreSQL's extended query protocol lets a client send Parse,
Describe, Bind, Execute and one Sync together and read the answers in order (the server stops
at the first error and skips to the Sync, so errors arrive as before); this module makes each
connection the engine opens do that.

It also keeps the statements with parameters it has sent prepared, by name, up to
`cache_size` a connection (DB_STATEMENT_CACHE_SIZE; least recently used out first): a
statement seen before is only Bind, Execute and Sync, so PostgreSQL neither parses nor plans
it again. Parsing and planning were four fifths of the server's CPU for a course page (400 µs
against 80 µs prepared). A statement whose prepared form the server no longer has (DISCARD
ALL, a pooler that swapped the session) or whose result type a migration changed fails once
and is prepared again at its next use. With `cache_size` 0, every statement goes unnamed, as
pg8000's did. Statements are closed by a Close riding on the connection's next round trip;
PostgreSQL accepts Close even in a failed transaction and ignores one for a name it lacks.

The row description of each distinct result is read once per connection (pg8000 decoded the
column list of every result again, a dict per column). A data row is decoded once per process
for the same bytes under the same description (`_decode`, least recently used out): decoding
is a pure function of the two, and the same course page comes back row for row on every
request until a course changes, at 10-15 µs of Python a row of 30 columns. The database still
answers every statement; only the decoding of bytes already decoded is saved. Rows over 4 KB
are not kept, so the memo stays under ~12 MB a process. Values that are mutable (JSON objects
and arrays, PostgreSQL arrays) are copied for each row handed out, so no caller can change
another's.

pg8000's own path still serves COPY (a `stream`). requirements.txt pins pg8000 to the minor
version whose internals this uses; tests/integration/test_pg_wire.py counts the round trips.
"""

from __future__ import annotations

import functools
import itertools
import struct
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

_PARSE = b"P"
_DESCRIBE = b"D"
_BIND = b"B"
_CLOSE = b"C"
_EXECUTE = b"E\x00\x00\x00\x09\x00\x00\x00\x00\x00"  # the unnamed portal, every row
_SYNC = b"S\x00\x00\x00\x04"
_ROW_DESCRIPTIONS_KEPT = 512
# SQLSTATEs that say the prepared form itself is gone or stale: prepare it again next time.
_STALE = frozenset({"26000", "0A000"})  # no such prepared statement; cached plan changed type
_DECODED_ROWS_KEPT = 1024  # about 3 MB for rows of a course page's size
_DECODED_ROW_BYTES = 4096  # a longer row is decoded every time: at most ~12 MB kept
_LENGTH = struct.Struct("!i")  # a column's length in a data row; -1 for NULL


@dataclass(frozen=True)
class _Shape:
    """A result's row description (its bytes, which name every column's type) and how this
    process decodes its columns: the same on every connection, whichever made it first."""

    description: bytes
    input_funcs: tuple[Any, ...] = field(compare=False)
    encoding: str = field(compare=False)


@dataclass(frozen=True)
class _Prepared:
    name: bytes  # NUL-terminated, as the protocol sends it
    columns: Any  # None for a statement that returns no rows
    shape: _Shape | None


@functools.lru_cache(maxsize=_DECODED_ROWS_KEPT)
def _decode(shape: _Shape, data: bytes) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """One data row's values, and the positions of those that are mutable."""
    encoding = shape.encoding
    unpack = _LENGTH.unpack_from
    values: list[Any] = []
    append = values.append
    index = 2  # past the column count
    for convert in shape.input_funcs:
        length = unpack(data, index)[0]
        index += 4
        if length == -1:
            append(None)
        else:
            append(convert(data[index : index + length].decode(encoding)))
            index += length
    mutable = tuple(i for i, value in enumerate(values) if isinstance(value, list | dict))
    return tuple(values), mutable


def _copy(value: Any) -> Any:
    """A fresh copy of a decoded JSON or array value (lists, dicts and immutable leaves)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def install(connection: Any, cache_size: int = 0) -> None:
    """Make one pg8000 connection send each statement in one round trip, keeping up to
    `cache_size` of them prepared."""
    from pg8000 import converters, core

    original_execute = connection.execute_unnamed
    original_describe = connection.handle_ROW_DESCRIPTION
    descriptions: dict[bytes, tuple[Any, _Shape]] = {}
    prepared: OrderedDict[tuple[str, tuple[int, ...]], _Prepared] = OrderedDict()
    to_close: list[bytes] = []
    numbers = itertools.count()

    def execute_unnamed(
        self: Any, statement: str, vals: Any = (), oids: Any = (), stream: Any = None
    ) -> Any:
        if stream is not None:
            return original_execute(statement, vals=vals, oids=oids, stream=stream)
        # Encoded before anything is written: a value pg8000 cannot send raises here and
        # leaves nothing half-sent on the connection.
        encoding = self._client_encoding
        values = bytearray(core.H_pack(0))  # parameters as text
        params = converters.make_params(self.py_types, vals)
        values += core.H_pack(len(params))
        for value in params:
            if value is None:
                values += core.i_pack(-1)
            else:
                encoded = value.encode(encoding)
                values += core.i_pack(len(encoded)) + encoded
        values += core.H_pack(0)  # results as text
        # Only statements with parameters are kept: they are the ones that come back with
        # other values, and BEGIN, COMMIT and ROLLBACK cost nothing to parse.
        keep = cache_size > 0 and len(params) > 0
        key = (statement, tuple(oids))
        known = prepared.get(key) if keep else None
        while to_close:  # Close the statements dropped since, in this same round trip
            self._send_message(_CLOSE, b"S" + to_close.pop())
        if known is not None:
            prepared.move_to_end(key)
            context = core.Context(statement, columns=known.columns)
            context.shape = known.shape
            self._send_message(_BIND, b"\x00" + known.name + values)
            run(self, context, key)
            return context
        name = f"lms_{next(numbers)}".encode("ascii") + b"\x00" if keep else b"\x00"
        parse = bytearray(name)
        parse += statement.encode(encoding) + b"\x00"
        parse += core.H_pack(len(oids))
        for oid in oids:
            parse += core.i_pack(0 if oid == -1 else oid)
        context = core.Context(statement)
        context.parsed = False
        context.shape = None
        self._send_message(_PARSE, parse)
        self._send_message(_DESCRIBE, b"S" + name)
        self._send_message(_BIND, b"\x00" + name + values)
        try:
            run(self, context, None)
        except Exception:
            if keep and context.parsed:
                to_close.append(name)  # prepared, but this attempt failed: drop it
            raise
        if keep:
            prepared[key] = _Prepared(name, context.columns, context.shape)
            if len(prepared) > cache_size:
                to_close.append(prepared.popitem(last=False)[1].name)
        return context

    def run(self: Any, context: Any, key: tuple[str, tuple[int, ...]] | None) -> None:
        """Execute and Sync after what was sent, then read the answers; forget a kept
        statement the server no longer has as it was."""
        core._write(self._sock, _EXECUTE)
        core._write(self._sock, _SYNC)
        core._flush(self._sock)
        try:
            self.handle_messages(context)
        except core.DatabaseError as exc:
            details = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
            if key is not None and details.get("C") in _STALE:
                to_close.append(prepared.pop(key).name)
            raise

    def handle_parse_complete(self: Any, data: Any, context: Any) -> None:
        context.parsed = True

    def handle_row_description(self: Any, data: Any, context: Any) -> None:
        description = bytes(data)
        known = descriptions.get(description)
        if known is None:
            original_describe(data, context)
            shape = _Shape(description, tuple(context.input_funcs), self._client_encoding)
            if len(descriptions) < _ROW_DESCRIPTIONS_KEPT:
                descriptions[description] = (context.columns, shape)
        else:
            context.columns, shape = known
            if context.rows is None:
                context.rows = []
        context.shape = shape

    def handle_data_row(self: Any, data: bytes, context: Any) -> None:
        decode = _decode if len(data) <= _DECODED_ROW_BYTES else _decode.__wrapped__
        values, mutable = decode(context.shape, data)
        row = list(values)
        for index in mutable:
            row[index] = _copy(row[index])
        context.rows.append(row)

    connection.execute_unnamed = types.MethodType(execute_unnamed, connection)
    connection.handle_ROW_DESCRIPTION = types.MethodType(handle_row_description, connection)
    connection.handle_DATA_ROW = types.MethodType(handle_data_row, connection)
    connection.message_types[b"T"] = connection.handle_ROW_DESCRIPTION
    connection.message_types[b"D"] = connection.handle_DATA_ROW
    connection.message_types[b"1"] = types.MethodType(handle_parse_complete, connection)
