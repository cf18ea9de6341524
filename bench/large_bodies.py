"""What oversized request bodies cost `lms serve`: peak memory and time to the answer.

Starts `lms serve` (one process, SQLite in a temporary folder), sends `--parallel` POSTs of
`--megabytes` each at once (streamed from the client, so only the server holds them), and
prints each status, how long the answer took, and the server's resident memory before and
at its peak (VmHWM, Linux).

    .venv/bin/python bench/large_bodies.py --parallel 4 --megabytes 100
    .venv/bin/python bench/large_bodies.py --chunked
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.host_process import HostProcess, host_environment, run_lms

PATH = "/api/v1/auth/login"
BLOCK = b"x" * 65536


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def blocks(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        block = BLOCK[: size - sent]
        sent += len(block)
        yield block


def post(url: str, size: int, chunked: bool) -> tuple[int | str, float]:
    """Send the request head, then the body as fast as the server takes it; the status of
    the answer (or how the connection ended) and the seconds it took."""
    address = urlsplit(url)
    started = time.perf_counter()
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    with socket.create_connection((address.hostname, address.port), timeout=120) as sock:
        sock.sendall(
            f"POST {PATH} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Content-Type: application/json\r\n{framing}\r\n\r\n".encode()
        )
        try:
            for block in blocks(size):
                if chunked:
                    block = f"{len(block):X}\r\n".encode() + block + b"\r\n"
                sock.sendall(block)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed without reading the rest
        try:
            head = sock.recv(65536)
        except OSError as exc:
            return f"{type(exc).__name__}", time.perf_counter() - started
    elapsed = time.perf_counter() - started
    if not head:
        return "closed without an answer", elapsed
    return int(head.split(b" ", 2)[1]), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--chunked", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = host_environment(f"sqlite:///{folder}/lms.db", folder)
        migrated = run_lms("migrate", env=env)
        if migrated.returncode != 0:
            print(migrated.stderr, file=sys.stderr)
            return 1
        host = HostProcess(env)
        url = host.wait_until_listening()
        try:
            pid = host.process.pid
            time.sleep(1)
            before = memory_kib(pid)
            size = args.megabytes * 1_000_000
            with ThreadPoolExecutor(args.parallel) as pool:
                sends = [pool.submit(post, url, size, args.chunked) for _ in range(args.parallel)]
                results = [send.result() for send in sends]
            after = memory_kib(pid)
        finally:
            host.stop()
    framing = "chunked" if args.chunked else "Content-Length"
    print(f"{args.parallel} x {args.megabytes} MB ({framing}) to POST {PATH}")
    for status, seconds in results:
        print(f"  {status}  {seconds:.2f} s")
    print(
        f"  server RSS before {before['VmRSS'] / 1024:.0f} MiB, peak {after['VmHWM'] / 1024:.0f} "
        f"MiB (+{(after['VmHWM'] - before['VmRSS']) / 1024:.0f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
