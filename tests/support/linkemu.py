"""A township link in user space: an asyncio TCP proxy on loopback that delays, jitters,
stalls and rate-limits what passes through it (this kernel has no netem).

    profile = LinkProfile(one_way_ms=150, jitter_ms=25, stall_every_s=8, stall_ms=700)
    with LinkEmulator(("127.0.0.1", platform_port), profile) as link:
        url = link.url                     # http://127.0.0.1:<proxy port>
        ...
        link.cut()                         # every connection through it drops now
        link.stats.bytes_down, link.stats.stall_seconds

The model is one shared line, in each direction:
- a byte leaves when the line is free (the rate limit serialises all connections: two
  downloads share the 80 kbit/s, they do not get 80 kbit/s each), then arrives
  `one_way_ms` ± `jitter_ms` later, never before the bytes sent ahead of it on the same
  connection (TCP delivers in order);
- a stall freezes the whole line, both directions, for `stall_ms` (what a burst of loss
  and its retransmission timeouts look like to the application); stalls come at random
  intervals averaging `stall_every_s`, from a seeded generator, so a run is repeatable;
- per connection and direction at most `buffer_bytes` wait in the emulator (bounded: the
  sender is paused while the line is full, as a real socket buffer does).
Connection set-up costs one round trip (the SYN / SYN-ACK), as on a real line.
TCP's own slow start and loss recovery are not modelled: the stalls stand in for them.

Loopback only: the emulator listens on 127.0.0.1 and refuses any other target.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHUNK = 4096
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class LinkProfile:
    name: str = "link"
    one_way_ms: float = 150.0
    jitter_ms: float = 0.0
    rate_kbit: float | None = None  # None: unlimited
    stall_every_s: float | None = None  # mean interval between stalls; None: never
    stall_ms: float = 0.0
    buffer_bytes: int = 256 * 1024
    seed: int = 14

    @property
    def rtt_s(self) -> float:
        return 2 * self.one_way_ms / 1000

    @property
    def bytes_per_s(self) -> float | None:
        return self.rate_kbit * 1000 / 8 if self.rate_kbit else None


# The two profiles of issue 14's benchmark.
JITTER_AND_STALLS = LinkProfile("300ms±50 stalls", one_way_ms=150, jitter_ms=25,
                                stall_every_s=3.0, stall_ms=500)
SLOW_80K = LinkProfile("300ms 80kbit/s", one_way_ms=150, rate_kbit=80)


@dataclass
class LinkStats:
    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    stalls: int = 0
    stall_seconds: float = 0.0
    cuts: int = 0

    def reset(self) -> None:
        self.connections = self.bytes_up = self.bytes_down = self.stalls = self.cuts = 0
        self.stall_seconds = 0.0


@dataclass
class _Direction:
    free_at: float = 0.0  # when the shared line is next free in this direction


@dataclass(eq=False)
class _Conn:
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    def abort(self) -> None:
        for w in self.writers:
            with contextlib.suppress(Exception):
                w.transport.abort()


class LinkEmulator:
    def __init__(self, target: tuple[str, int], profile: LinkProfile, *,
                 listen_port: int = 0) -> None:
        if target[0] not in _LOOPBACK:
            raise ValueError("the link emulator only reaches loopback addresses")
        self.target = target
        self.profile = profile
        self.stats = LinkStats()
        self._listen_port = listen_port
        self._rng = random.Random(profile.seed)
        self._up = _Direction()
        self._down = _Direction()
        self._stall_until = 0.0
        self._conns: set[_Conn] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.port = 0
        # Test hook: called with the downstream byte count after each chunk delivered.
        self.on_down: Callable[[int], None] | None = None

    # --- life cycle --------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LinkEmulator:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="linkemu", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("link emulator did not start")

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", self._listen_port))
        self.port = self._server.sockets[0].getsockname()[1]
        stalls = loop.create_task(self._stalls()) if self.profile.stall_every_s else None
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            if stalls is not None:
                stalls.cancel()
            for conn in list(self._conns):
                conn.abort()
            self._server.close()
            with contextlib.suppress(Exception):
                loop.run_until_complete(self._server.wait_closed())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    # --- control from other threads ----------------------------------------------------
    def cut(self) -> None:
        """Drop every connection now (a line going dead); new ones are accepted again."""
        loop = self._loop
        if loop is None:
            return
        done = threading.Event()

        def do() -> None:
            self.stats.cuts += 1
            for conn in list(self._conns):
                conn.abort()
            self._conns.clear()
            done.set()

        if threading.current_thread() is self._thread:
            do()  # from a hook running on the emulator's own loop
            return
        loop.call_soon_threadsafe(do)
        done.wait(5)

    # --- the line ----------------------------------------------------------------------
    async def _stalls(self) -> None:
        assert self.profile.stall_every_s
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._rng.expovariate(1 / self.profile.stall_every_s))
            duration = self.profile.stall_ms / 1000
            now = loop.time()
            if self._stall_until < now and self._busy():
                self._stall_until = now + duration
                self.stats.stalls += 1
                self.stats.stall_seconds += duration

    def _busy(self) -> bool:
        # A stall of an idle line costs nothing; counted only when something is in flight.
        return bool(self._conns)

    def _schedule(self, direction: _Direction, size: int, last: float) -> float:
        """When `size` bytes read now arrive at the far end."""
        loop_time = asyncio.get_running_loop().time()
        start = max(loop_time, direction.free_at, self._stall_until)
        rate = self.profile.bytes_per_s
        direction.free_at = start + (size / rate if rate else 0.0)
        jitter = self.profile.jitter_ms
        delay = self.profile.one_way_ms + (self._rng.uniform(-jitter, jitter) if jitter else 0)
        return max(direction.free_at + max(0.0, delay) / 1000, last)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Conn([writer])
        self._conns.add(conn)
        self.stats.connections += 1
        try:
            # The SYN reaches the platform one way later; the client learns of it (SYN-ACK)
            # another one way later: the first byte it sends leaves after a round trip.
            await asyncio.sleep(self.profile.one_way_ms / 1000)
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
            except OSError:
                writer.transport.abort()
                return
            conn.writers.append(up_writer)
            await asyncio.sleep(self.profile.one_way_ms / 1000)
            await asyncio.gather(self._pipe(reader, up_writer, self._up, conn, up=True),
                                 self._pipe(up_reader, writer, self._down, conn, up=False),
                                 return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the emulator is stopping
        finally:
            conn.abort()
            self._conns.discard(conn)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                    direction: _Direction, conn: _Conn, *, up: bool) -> None:
        limit = max(1, self.profile.buffer_bytes // CHUNK)
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(maxsize=limit)

        async def deliver() -> None:
            loop = asyncio.get_running_loop()
            while True:
                item = await queue.get()
                if item is None:
                    with contextlib.suppress(Exception):
                        dst.write_eof()
                    return
                at, data = item
                while True:
                    wait = max(at, self._stall_until) - loop.time()
                    if wait <= 0:
                        break
                    await asyncio.sleep(wait)
                try:
                    dst.write(data)
                    await dst.drain()
                except (ConnectionError, OSError):
                    conn.abort()
                    return
                if up:
                    self.stats.bytes_up += len(data)
                else:
                    self.stats.bytes_down += len(data)
                    if self.on_down is not None:
                        self.on_down(self.stats.bytes_down)

        task = asyncio.create_task(deliver())
        last = 0.0
        try:
            while True:
                data = await src.read(CHUNK)
                if not data:
                    await queue.put(None)
                    break
                last = self._schedule(direction, len(data), last)
                await queue.put((last, data))  # waits while the buffer is full
            await task
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            conn.abort()
        finally:
            if not task.done():
                task.cancel()
