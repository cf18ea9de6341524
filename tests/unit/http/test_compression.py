"""gzip only when it is worth it and the client accepts it."""

from __future__ import annotations

import gzip

import pytest

from shared.http.compression import MIN_COMPRESS_BYTES, accepts_gzip, maybe_compress
from shared.http.problem import Reply


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.8, br", True),
        ("gzip ; q=1.0", True),
        ("*", True),
        ("*;q=0.1", True),
        (None, False),
        ("", False),
        ("identity", False),
        ("br, deflate", False),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=abc", False),
        ("*;q=0", False),
        # The named coding wins over the wildcard, whichever comes first (RFC 9110 12.5.3).
        ("gzip;q=0, *", False),
        ("*;q=0, gzip", True),
        ("*, gzip;q=0", False),
    ],
)
def test_accepts_gzip_reads_accept_encoding(header, accepted):
    assert accepts_gzip(header) is accepted


def json_reply(size: int, content_type: str = "application/json") -> Reply:
    return Reply(200, b"x" * size, {"Content-Type": content_type})


def test_a_body_of_the_threshold_size_is_compressed_and_decompresses_to_the_original():
    reply = json_reply(MIN_COMPRESS_BYTES)

    maybe_compress(reply, "gzip")

    assert reply.get("Content-Encoding") == "gzip"
    assert gzip.decompress(reply.body) == b"x" * MIN_COMPRESS_BYTES
    assert reply.get("Vary") == "Accept-Encoding"


def test_a_body_below_the_threshold_is_left_alone_but_varies():
    reply = json_reply(MIN_COMPRESS_BYTES - 1)

    maybe_compress(reply, "gzip")

    assert reply.body == b"x" * (MIN_COMPRESS_BYTES - 1)
    assert reply.get("Content-Encoding") is None
    assert reply.get("Vary") == "Accept-Encoding"


def test_compression_is_deterministic_so_etags_and_caches_agree():
    first, second = json_reply(4000), json_reply(4000)

    maybe_compress(first, "gzip")
    maybe_compress(second, "gzip")

    assert first.body == second.body


@pytest.mark.parametrize(
    "content_type", ["application/problem+json", "text/html; charset=utf-8", "application/xml"]
)
def test_text_types_are_compressed(content_type):
    reply = json_reply(4000, content_type)

    maybe_compress(reply, "gzip")

    assert reply.get("Content-Encoding") == "gzip"


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", None])
def test_binary_or_untyped_bodies_are_not_compressed_nor_vary(content_type):
    reply = Reply(200, b"x" * 4000, {"Content-Type": content_type} if content_type else {})

    maybe_compress(reply, "gzip")

    assert reply.body == b"x" * 4000
    assert reply.get("Content-Encoding") is None
    assert reply.get("Vary") is None


def test_a_body_already_encoded_is_not_compressed_twice():
    original = gzip.compress(b"x" * 4000)
    reply = Reply(200, original, {"Content-Type": "text/csv", "Content-Encoding": "gzip"})

    maybe_compress(reply, "gzip")

    assert reply.body == original
