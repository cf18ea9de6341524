"""pg8000 with one network round trip per statement.

pg8000 (1.31) runs every statement with parameters, and BEGIN, COMMIT and ROLLBACK too, as
three exchanges with the server: Parse and Sync; Describe, Sync and Bind; Execute and Sync.
Each exchange is a send, a wait and a wake-up on both sides, so a request of three statements
made nine of them, and on a small machine the database server's share of those wake-ups is CPU
taken from the requests. PostgreSQL's extended query protocol lets a client send Parse,
Describe, Bind, Execute and one Sync together and read the answers in order (the server stops
at the first error and skips to the Sync, so errors arrive as before); this module makes each
connection the engine opens do that. It also reads each distinct row description once per
connection: pg8000 decoded the column list of every result again (a dict per column).

pg8000's own path still serves COPY (a `stream`). requirements.txt pins pg8000 to the minor
version whose internals this uses; tests/integration/test_pg_wire.py counts the round trips.
"""

from __future__ import annotations

import types
from typing import Any

_PARSE = b"P"
_DESCRIBE_STATEMENT = b"DS\x00"  # Describe, of a statement, the unnamed one
_BIND = b"B"
_EXECUTE = b"E\x00\x00\x00\x09\x00\x00\x00\x00\x00"  # the unnamed portal, every row
_SYNC = b"S\x00\x00\x00\x04"
_ROW_DESCRIPTIONS_KEPT = 512


def install(connection: Any) -> None:
    """Make one pg8000 connection send each statement in one round trip."""
    from pg8000 import converters, core

    original_execute = connection.execute_unnamed
    original_describe = connection.handle_ROW_DESCRIPTION
    descriptions: dict[bytes, tuple[Any, Any]] = {}

    def execute_unnamed(
        self: Any, statement: str, vals: Any = (), oids: Any = (), stream: Any = None
    ) -> Any:
        if stream is not None:
            return original_execute(statement, vals=vals, oids=oids, stream=stream)
        # Encoded before anything is written: a value pg8000 cannot send raises here and
        # leaves nothing half-sent on the connection.
        params = converters.make_params(self.py_types, vals)
        encoding = self._client_encoding
        parse = bytearray(b"\x00")
        parse += statement.encode(encoding) + b"\x00"
        parse += core.H_pack(len(oids))
        for oid in oids:
            parse += core.i_pack(0 if oid == -1 else oid)
        bind = bytearray(b"\x00\x00")  # the unnamed portal, of the unnamed statement
        bind += core.H_pack(0) + core.H_pack(len(params))  # parameters as text
        for value in params:
            if value is None:
                bind += core.i_pack(-1)
            else:
                encoded = value.encode(encoding)
                bind += core.i_pack(len(encoded)) + encoded
        bind += core.H_pack(0)  # results as text
        context = core.Context(statement)
        self._send_message(_PARSE, parse)
        self._send_message(_DESCRIBE_STATEMENT[:1], _DESCRIBE_STATEMENT[1:])
        self._send_message(_BIND, bind)
        core._write(self._sock, _EXECUTE)
        core._write(self._sock, _SYNC)
        core._flush(self._sock)
        self.handle_messages(context)
        return context

    def handle_row_description(self: Any, data: Any, context: Any) -> None:
        known = descriptions.get(bytes(data))
        if known is None:
            original_describe(data, context)
            if len(descriptions) < _ROW_DESCRIPTIONS_KEPT:
                descriptions[bytes(data)] = (context.columns, context.input_funcs)
            return
        context.columns, context.input_funcs = known
        if context.rows is None:
            context.rows = []

    def handle_data_row(self: Any, data: bytes, context: Any) -> None:
        # pg8000's loop, with the method lookups hoisted and bytes.decode for str(bytes, ...).
        encoding = self._client_encoding
        unpack = core.i_unpack
        row: list[Any] = []
        append = row.append
        index = 2  # past the column count
        for convert in context.input_funcs:
            length = unpack(data, index)[0]
            index += 4
            if length == -1:
                append(None)
            else:
                append(convert(data[index : index + length].decode(encoding)))
                index += length
        context.rows.append(row)

    connection.execute_unnamed = types.MethodType(execute_unnamed, connection)
    connection.handle_DATA_ROW = types.MethodType(handle_data_row, connection)
    connection.message_types[b"D"] = connection.handle_DATA_ROW
    connection.handle_ROW_DESCRIPTION = types.MethodType(handle_row_description, connection)
    connection.message_types[b"T"] = connection.handle_ROW_DESCRIPTION
