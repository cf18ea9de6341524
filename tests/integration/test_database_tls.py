"""TLS to PostgreSQL as DATABASE_SSLMODE says, through a TLS front to the test server.

The test server speaks no TLS, so a small front accepts PostgreSQL's SSLRequest, answers 'S',
terminates TLS with a test certificate for 127.0.0.1 and relays the bytes to the server: the
client side is pg8000 exactly as production runs it.
"""

from __future__ import annotations

import logging
import select
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError

from shared import bootstrap
from shared.config import load_settings
from shared.db import build_engine
from shared.db_faults import is_database_unavailable
from tests.function_calls import call_http, json_of
from tests.tls import write_self_signed_certificate

pytestmark = pytest.mark.postgres

SSL_REQUEST = struct.pack("!ii", 8, 80877103)


class TlsFront:
    """Listens on 127.0.0.1; relays each connection to `upstream`, over TLS when asked."""

    def __init__(self, upstream: tuple[str, int], cert: Path, key: Path) -> None:
        self.upstream = upstream
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.tls_connections = 0
        self.plain_connections = 0
        self._stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stopping = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        client: socket.socket = conn
        first = conn.recv(8, socket.MSG_WAITALL)
        prefix = b""
        if first == SSL_REQUEST:
            conn.sendall(b"S")
            try:
                client = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()  # the client refused our certificate
                return
            self.tls_connections += 1
        else:
            self.plain_connections += 1
            prefix = first
        upstream = socket.create_connection(self.upstream)
        upstream.sendall(prefix)
        self._relay(client, upstream)

    @staticmethod
    def _relay(client: socket.socket, upstream: socket.socket) -> None:
        try:
            while True:
                pending = isinstance(client, ssl.SSLSocket) and client.pending() > 0
                readable = [client] if pending else select.select([client, upstream], [], [])[0]
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return write_self_signed_certificate(tmp_path)


@pytest.fixture
def front(postgres_database: str, certificate: tuple[Path, Path]) -> Iterator[TlsFront]:
    url = make_url(postgres_database)
    running = TlsFront((url.host or "127.0.0.1", url.port or 5432), *certificate)
    yield running
    running.close()


def url_through(front: TlsFront, postgres_database: str) -> str:
    url = make_url(postgres_database).set(host="127.0.0.1", port=front.port)
    return url.render_as_string(hide_password=False)


def select_one(url: str, **settings: str) -> int:
    engine = build_engine(url, load_settings({"DATABASE_URL": url, **settings}))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT 1")).scalar_one())
    finally:
        engine.dispose()


def test_verify_full_connects_over_tls_to_a_server_the_ca_bundle_vouches_for(
    front: TlsFront, postgres_database: str, certificate: tuple[Path, Path]
) -> None:
    url = url_through(front, postgres_database)
    ca_bundle = str(certificate[0])
    assert select_one(url, DATABASE_SSLMODE="verify-full", DATABASE_SSLROOTCERT=ca_bundle) == 1
    assert (front.tls_connections, front.plain_connections) == (1, 0)


def test_verify_full_refuses_a_certificate_no_trusted_ca_signed(
    front: TlsFront, postgres_database: str
) -> None:
    # pg8000 lets the ssl module's error through; the engine makes it a DBAPI error like the
    # others, so it is recognised as "database unavailable".
    with pytest.raises(InterfaceError, match="TLS certificate refused") as raised:
        select_one(url_through(front, postgres_database), DATABASE_SSLMODE="verify-full")
    assert isinstance(raised.value.__cause__.__cause__, ssl.SSLCertVerificationError)  # type: ignore[union-attr]
    assert is_database_unavailable(raised.value)
    assert front.tls_connections == 0


def test_a_refused_certificate_answers_503_and_logs_which_settings_to_fix(
    front: TlsFront,
    postgres_database: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_through(front, postgres_database))
    monkeypatch.setenv("DATABASE_SSLMODE", "verify-full")
    bootstrap.reset()

    with caplog.at_level(logging.WARNING):
        response = call_http(
            "auth_login",
            "POST",
            "/api/v1/auth/login",
            json_body={"email": "ada@example.org", "password": "correct horse battery"},
        )

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "temporarily unavailable" in json_of(response)["detail"]
    [advice, *_] = [r for r in caplog.records if r.name == "lms.db"]
    assert advice.levelno == logging.ERROR
    assert "DATABASE_SSLROOTCERT" in advice.getMessage()
    assert "DATABASE_SSLMODE" in advice.getMessage()
    assert "self-signed certificate" in advice.getMessage()
    assert "unhandled error" not in caplog.text


def test_require_encrypts_without_checking_the_certificate(
    front: TlsFront, postgres_database: str
) -> None:
    assert select_one(url_through(front, postgres_database), DATABASE_SSLMODE="require") == 1
    assert (front.tls_connections, front.plain_connections) == (1, 0)


def test_a_loopback_server_is_reached_without_tls_by_default(
    front: TlsFront, postgres_database: str
) -> None:
    assert select_one(url_through(front, postgres_database)) == 1
    assert (front.tls_connections, front.plain_connections) == (0, 1)


def test_every_connection_of_an_engine_shares_one_ssl_context(
    front: TlsFront, postgres_database: str, certificate: tuple[Path, Path]
) -> None:
    url = url_through(front, postgres_database)
    settings = {"DATABASE_SSLMODE": "verify-full", "DATABASE_SSLROOTCERT": str(certificate[0])}
    engine = build_engine(url, load_settings({"DATABASE_URL": url, **settings}))
    try:
        connections = [engine.connect() for _ in range(3)]
        contexts = {
            id(c.connection.dbapi_connection._usock.context)  # type: ignore[union-attr]
            for c in connections
        }
        for connection in connections:
            connection.close()
    finally:
        engine.dispose()
    assert front.tls_connections == 3
    assert len(contexts) == 1
