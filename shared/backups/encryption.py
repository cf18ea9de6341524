"""Backup files encrypted with BACKUP_ENCRYPTION_KEY: AES-256-GCM over fixed-size chunks.

A dump can be larger than memory, so it is sealed chunk by chunk (the STREAM construction):
each chunk has its own nonce, made of a random per-file prefix and the chunk's number, and
the last chunk is marked in its associated data. A chunk that is altered, reordered, dropped
or cut off, and a file that ends early, all fail to open, so a tampered backup is refused
before any byte of it reaches a database.

    header: MAGIC (8 bytes) | nonce prefix (7 bytes)
    chunk:  length (4 bytes, big-endian, of the sealed chunk) | AES-GCM(chunk)
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"LMSBAK1\n"
PREFIX_BYTES = 7
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
KEY_BYTES = 32


class BackupKeyError(ValueError):
    """BACKUP_ENCRYPTION_KEY is not a key, or not the key a backup was sealed with."""


def new_key() -> str:
    """A fresh key, as BACKUP_ENCRYPTION_KEY takes it (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise BackupKeyError(
            "BACKUP_ENCRYPTION_KEY must be 32 random bytes in URL-safe base64; make one with "
            "`lms backup-key`"
        )
    return key


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter) + b"\x00"


def _aad(last: bool) -> bytes:
    return MAGIC + (b"\x01" if last else b"\x00")


def is_encrypted(path: os.PathLike[str] | str) -> bool:
    with open(path, "rb") as stored:
        return stored.read(len(MAGIC)) == MAGIC


def encrypt(chunks: Iterable[bytes], key: bytes) -> Iterator[bytes]:
    """The sealed form of what `chunks` yield, as it is to be written."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    prefix = os.urandom(PREFIX_BYTES)
    yield MAGIC + prefix
    counter = 0
    pending = b""
    for data in chunks:
        pending += data
        # Strictly more than a chunk: the last chunk is only known at the end.
        while len(pending) > CHUNK_BYTES:
            yield _seal(aead, prefix, counter, pending[:CHUNK_BYTES], last=False)
            pending = pending[CHUNK_BYTES:]
            counter += 1
    # The last chunk may be empty (an empty file), never missing: its flag proves the end.
    yield _seal(aead, prefix, counter, pending, last=True)


def _seal(aead: AESGCM, prefix: bytes, counter: int, data: bytes, *, last: bool) -> bytes:
    sealed = aead.encrypt(_nonce(prefix, counter), data, _aad(last))
    return struct.pack(">I", len(sealed)) + sealed


def decrypt(source: BinaryIO, key: bytes) -> Iterator[bytes]:
    """The plain bytes of a sealed file; raises BackupKeyError when any part fails to open."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    header = source.read(len(MAGIC) + PREFIX_BYTES)
    if len(header) != len(MAGIC) + PREFIX_BYTES or not header.startswith(MAGIC):
        raise BackupKeyError("the file is not an encrypted backup (its header is wrong)")
    prefix = header[len(MAGIC) :]
    counter = 0
    while True:
        length_bytes = source.read(4)
        if len(length_bytes) != 4:
            raise BackupKeyError("the encrypted backup ends early: it is truncated")
        (length,) = struct.unpack(">I", length_bytes)
        if length < TAG_BYTES or length > CHUNK_BYTES + TAG_BYTES:
            raise BackupKeyError("the encrypted backup is corrupted (a chunk length is wrong)")
        sealed = source.read(length)
        if len(sealed) != length:
            raise BackupKeyError("the encrypted backup ends early: it is truncated")
        nonce = _nonce(prefix, counter)
        try:
            data = aead.decrypt(nonce, sealed, _aad(False))
            last = False
        except InvalidTag:
            try:
                data = aead.decrypt(nonce, sealed, _aad(True))
                last = True
            except InvalidTag:
                raise BackupKeyError(
                    "the encrypted backup does not open with BACKUP_ENCRYPTION_KEY: the key "
                    "is not the one it was made with, or the file was altered"
                ) from None
        yield data
        if last:
            if source.read(1):
                raise BackupKeyError("the encrypted backup has data after its last chunk")
            return
        counter += 1
