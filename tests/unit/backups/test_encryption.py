"""Encrypted backups open with their key only, and any change to the file is refused."""

from __future__ import annotations

import io
import os

import pytest

from shared.backups import encryption
from shared.backups.encryption import CHUNK_BYTES, BackupKeyError, decrypt, encrypt

KEY = encryption.parse_key(encryption.new_key())


def sealed(data: bytes, key: bytes = KEY) -> bytes:
    pieces = [data[i : i + 100_000] for i in range(0, len(data), 100_000)]
    return b"".join(encrypt(pieces, key))


def opened(data: bytes, key: bytes = KEY) -> bytes:
    return b"".join(decrypt(io.BytesIO(data), key))


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES]
)
def test_what_is_sealed_opens_to_the_same_bytes(size: int) -> None:
    data = os.urandom(size)
    assert opened(sealed(data)) == data


def test_another_key_does_not_open_it() -> None:
    other = encryption.parse_key(encryption.new_key())
    with pytest.raises(BackupKeyError, match="not the one it was made with"):
        opened(sealed(b"grades"), other)


@pytest.mark.parametrize("cut", [1, 17, CHUNK_BYTES + 20])
def test_a_file_cut_anywhere_is_refused_even_at_a_chunk_boundary(cut: int) -> None:
    data = sealed(os.urandom(2 * CHUNK_BYTES + 10))
    with pytest.raises(BackupKeyError):
        opened(data[:-cut])
    boundary = len(encryption.MAGIC) + encryption.PREFIX_BYTES + 4 + CHUNK_BYTES + 16
    with pytest.raises(BackupKeyError, match="truncated"):
        opened(data[:boundary])


def test_a_flipped_bit_swapped_chunks_and_trailing_bytes_are_refused() -> None:
    data = bytearray(sealed(os.urandom(2 * CHUNK_BYTES + 10)))
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    with pytest.raises(BackupKeyError):
        opened(bytes(flipped))
    header = len(encryption.MAGIC) + encryption.PREFIX_BYTES
    chunk = 4 + CHUNK_BYTES + 16
    swapped = (
        data[:header]
        + data[header + chunk : header + 2 * chunk]
        + data[header : header + chunk]
        + data[header + 2 * chunk :]
    )
    with pytest.raises(BackupKeyError):
        opened(bytes(swapped))
    with pytest.raises(BackupKeyError, match="after its last chunk"):
        opened(bytes(data) + b"x")


def test_a_malformed_key_says_how_to_make_one() -> None:
    with pytest.raises(BackupKeyError, match="lms backup-key"):
        encryption.parse_key("too-short")
