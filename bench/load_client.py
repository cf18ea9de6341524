"""The HTTP side of bench/http_load.py: a small HTTP/1.1 client (keep-alive, Content-Length
or chunked bodies), the figures it keeps per endpoint (req/s, p50/p95/p99, errors), and the
closed loop that drives a server as fast as it answers."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        fields = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
        }
        if fields.get(b"transfer-encoding") == b"chunked":
            data = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                data += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            data = await self.reader.readexactly(int(fields.get(b"content-length", b"0")))
        if fields.get(b"connection") == b"close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


@dataclass
class Figures:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)

    async def timed(
        self, label: str, connection: Connection, method: str, path: str, **kw: Any
    ) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            status, body = await connection.request(method, path, **kw)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors[label] += 1
            self.samples.setdefault(label, f"{type(exc).__name__}: {exc}")
            await connection.close()
            return 0, b""
        self.times[label].append((time.perf_counter() - started) * 1000)
        if status >= 400:
            self.errors[label] += 1
            self.samples.setdefault(label, f"HTTP {status}: {body[:160]!r}")
        return status, body

    def merge(self, other: Figures) -> None:
        """Add `other`'s requests, errors and first error samples to these."""
        for label, times in other.times.items():
            self.times[label].extend(times)
        for label, count in other.errors.items():
            self.errors[label] += count
        for label, sample in other.samples.items():
            self.samples.setdefault(label, sample)

    def rows(self, seconds: float) -> list[str]:
        out = []
        for label in sorted(self.times.keys() | self.errors.keys()):
            times = sorted(self.times[label])
            if not times:
                out.append(f"{label:<44} {'':>8} {'':>7} {'':>7} {'':>7} {self.errors[label]:>6}")
                continue

            def pct(p: float, times: list[float] = times) -> float:
                return times[min(len(times) - 1, int(len(times) * p))]

            out.append(
                f"{label:<44} {len(times) / seconds:8.1f} {statistics.median(times):7.1f} "
                f"{pct(0.95):7.1f} {pct(0.99):7.1f} {self.errors[label]:>6}"
            )
        return out


HEADER = f"{'endpoint':<44} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"


async def closed_loop(
    port: int,
    connections: int,
    seconds: float,
    requests: list[tuple[str, str, dict[str, str]]],
) -> Figures:
    """`connections` clients, each sending the next of `requests` as soon as one returns."""
    figures = Figures()
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        connection = Connection(port)
        i = n
        while time.perf_counter() < deadline:
            label, path, headers = requests[i % len(requests)]
            await figures.timed(label, connection, "GET", path, headers=headers)
            i += 1
        await connection.close()

    await asyncio.gather(*(client(n) for n in range(connections)))
    return figures
