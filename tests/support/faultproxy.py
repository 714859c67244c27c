"""A fault-injecting HTTP proxy between a client and the platform (loopback only, tests).

    with FaultProxy(platform.port) as proxy:        # proxy.base_url -> the client
        proxy.plan("reset_after", method="POST", path="/api/v1/ops")
        ...                                         # the next POST /ops is applied by
                                                    # the platform, its answer is lost

Each client connection carries one request (the proxy answers `Connection: close`), so a
fault hits exactly the request it was planned for. Faults:
- "refuse":       the connection is reset before the request is read (nothing sent);
- "reset_after":  the request reaches the platform, which answers; the client gets a
                  reset instead of the answer;
- "truncate":     the answer is cut in the middle of its body;
- "502" / "503":  the request reaches the platform, the client gets an HTML error page
                  (a gateway whose upstream may have applied the request);
- "503_before":   an HTML 503 page, the request never reaches the platform;
- "stall":        the request waits `stall_s` seconds before it is forwarded.
`down = True` refuses every connection and cuts those in progress (the link is gone);
`random_faults(rate, rng)` picks faults at random for the soak. Built on asyncio in a
thread of its own; no Debian package provides such a proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

FAULTS = ("refuse", "reset_after", "truncate", "502", "503", "503_before", "stall")
_HTML = b"<html><head><title>%d</title></head><body><h1>%d Bad Gateway</h1>nginx</body></html>"


@dataclass
class _Plan:
    fault: str
    method: str | None
    path: str | None
    times: int


@dataclass
class Stats:
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), as a dropped link or a crashed peer looks."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(self, upstream_port: int, *, upstream_host: str = "127.0.0.1",
                 stall_s: float = 3.0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.stall_s = stall_s
        self.down = False
        self.stats = Stats()
        self._plans: list[_Plan] = []
        self._random: tuple[float, random.Random, tuple[str, ...]] | None = None
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="faultproxy")
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        # Called with (method, path) for every request (tests count or time requests).
        self.on_request: Callable[[str, str], None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- control (any thread) ----------------------------------------------------------
    def plan(self, fault: str, *, method: str | None = None, path: str | None = None,
             times: int = 1) -> None:
        """The next `times` requests matching method and path prefix get `fault`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        with self._lock:
            self._plans.append(_Plan(fault, method, path, times))

    def random_faults(self, rate: float, rng: random.Random,
                      faults: tuple[str, ...] = FAULTS) -> None:
        """From now on each request gets a random fault with probability `rate`."""
        with self._lock:
            self._random = (rate, rng, faults) if rate > 0 else None

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self._random = None
        self.down = False

    def set_down(self, down: bool) -> None:
        self.down = down
        if down:
            self._loop.call_soon_threadsafe(self._cut_all)

    def _cut_all(self) -> None:
        for w in list(self._writers):
            _reset(w)

    def _pick(self, method: str, path: str) -> str | None:
        with self._lock:
            for p in self._plans:
                if (p.method in (None, method)) and (p.path is None or path.startswith(p.path)):
                    p.times -= 1
                    if p.times <= 0:
                        self._plans.remove(p)
                    return p.fault
            if self._random is not None:
                rate, rng, faults = self._random
                if rng.random() < rate:
                    return rng.choice(faults)
        return None

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        fut.result(10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            self._cut_all()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- one connection, one request ---------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            _reset(writer)
            return
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers = [ln for ln in lines[1:] if ln]
        length = 0
        for ln in headers:
            name, _, value = ln.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = await reader.readexactly(length) if length else b""
        self.stats.requests += 1
        if self.on_request is not None:
            self.on_request(method, path)
        fault = self._pick(method, path)
        if fault:
            self.stats.faults[fault] = self.stats.faults.get(fault, 0) + 1
        if fault == "refuse":
            _reset(writer)
            return
        if fault == "503_before":
            await self._html(writer, 503)
            return
        if fault == "stall":
            await asyncio.sleep(self.stall_s)
        kept = [ln for ln in headers if ln.split(":", 1)[0].strip().lower()
                not in ("connection", "keep-alive")]
        request = "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            up_writer.write(request + body)
            await up_writer.drain()
            if fault in ("reset_after", "502", "503"):
                # The platform gets and answers the request; the client never sees it.
                await up_reader.read()
                if fault == "reset_after":
                    _reset(writer)
                else:
                    await self._html(writer, int(fault))
                return
            await self._relay(up_reader, writer, truncate=fault == "truncate")
        finally:
            with contextlib.suppress(Exception):
                up_writer.close()

    async def _relay(self, up: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                     truncate: bool) -> None:
        if truncate:
            answer = await up.read()
            head, _, body = answer.partition(b"\r\n\r\n")
            writer.write(head + b"\r\n\r\n" + body[: max(1, len(body) // 2)])
            await writer.drain()
            _reset(writer)
            return
        while True:
            if self.down:
                _reset(writer)
                return
            chunk = await up.read(64 * 1024)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
        writer.close()

    async def _html(self, writer: asyncio.StreamWriter, status: int) -> None:
        page = _HTML % (status, status)
        writer.write(b"HTTP/1.1 %d Error\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % (status, len(page)) + page)
        await writer.drain()
        writer.close()
