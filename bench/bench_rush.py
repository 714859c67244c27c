"""The morning rush at 08:00: every device refreshes, pulls the night's work, pushes one op
and holds an events stream, all within a few seconds.

    .venv/bin/python bench/bench_rush.py --devices 364
    .venv/bin/python bench/bench_rush.py --devices 3640 --pg postgresql://... --workers 2

Set-up (not timed): `python -m server init-demo` fills a fresh database (PostgreSQL: the
database at --pg is emptied), then this process adds generated users (one device each;
the demo county has 109 people, the rest are `rushNNNN` staff spread over the demo units:
for 3,640 devices that is "ten counties" in one directory, not ten distinct unit trees),
and gives each device a session signed in the night before whose access token has expired.
Each device's cursor is the feed head of that night. Overnight, the county office's clerk
registers documents routed (拟办) to some users and the information office publishes a
notice (回执 required) to every unit.

The rush: devices arrive spread uniformly over --spread seconds. Each one, on one
keep-alive connection: POST /api/v1/auth/refresh, GET /api/v1/changes from its cursor
(pages of 500) until `has_more` is false, POST /api/v1/ops with one op (document.mark_read
if a document was routed to it, else notice.ack); that is "synced". Then it opens
GET /api/v1/events on a second connection and holds it. After every device has synced, a
new notice to everyone is published (in this process, straight into the database, as
the CLI would) and the time until every open stream has told its device is measured.
Then, with all the streams still held, --pollers connections per client process send
no-change polls (GET /api/v1/changes from the head) for --poll-seconds.

Load generator: --procs processes, each driving its share of the devices with asyncio
streams and hand-written HTTP/1.1 (no client library), so the client costs little CPU;
its CPU is printed next to the platform's (and PostgreSQL's) so the 2-core share is clear.

The advisory lock (issue 14): on PostgreSQL every `db.write_tx()` begins with
`pg_advisory_xact_lock(_WRITE_LOCK_KEY)`, one platform-wide lock held until commit. It is
what makes feed seqs commit in seq order (a reader never skips a seq that commits later)
and what lets writers read-then-write without races (registration numbers max+1,
"already routed" checks, migrations). The seq order alone would not need it: the
`UPDATE meta SET seq = seq + 1` row lock already holds a second seq-taker until the
first commits. A refresh publishes nothing to the feed and touches only its own session's
rows, yet it took the global lock, so in a rush 3,640 refreshes queued behind each other
and behind every op. Refresh now runs in `db.session_tx()`: on PostgreSQL a plain
transaction that locks the session's row (SELECT ... FOR UPDATE) before deciding, which
serialises the refreshes of one session (rotation and reuse detection stay exact) and
nothing else; on SQLite it is still BEGIN IMMEDIATE (one writer anyway). Ops
(mark_read, ack) still take the global lock: they publish receipts, i.e. take feed seqs,
and handlers rely on serialised read-then-write.

What else this bench found: every held stream used to query its own latest visible seq
whenever the feed head moved (each op of the rush moves it) and its session every 2 s,
each through the thread pool: at 3,640 streams that is thousands of queries a second
before any device's request. The watcher of each platform process (server/events.py) now
does both for all its listening users and sessions in one batch.

What the platform spends per device, and what issue 14's second pass cut (PostgreSQL,
2 workers, 3,640 devices over 5 s, on this 2-core machine that also runs PostgreSQL and
the load generator): platform CPU 88.8 s -> 53.5 s (24 -> 15 ms per device), PostgreSQL
22-31 s -> 20.5 s, all synced 99.6 s -> 58.6 s, no-change polls 742 -> 1,400-1,840 req/s.
  - A refresh of the current token is one locked SELECT and three writes (was up to ten
    statements through peewee).
  - A notice ack finds both receipts in one query, reads the receipt key once, and
    publishes each new receipt in one statement (seq, mark, object, feed rows).
  - The feed page was planned as a hash join over all of sync_object (6 ms at 6,000
    objects, growing); it now probes by primary key, and the hot statements are prepared
    once per connection (planning took 1.3 ms, running 0.1 ms).
  - The events watcher reads what moved since its last look (cost follows the changes)
    instead of each listener's latest seq (3,640 lookups per change).
  - Well-formed GET /changes polls skip FastAPI's routing and dependency layers.
What is left: under overload requests are served first come first served, so nearly
every device finishes near the end (p50 close to the maximum): the rush lasts the total
CPU (platform + PostgreSQL + load generator, about 80 s) divided by the 2 cores. The
platform's share is now mostly the framework per request (middleware, routing,
validation: about a quarter) and peewee building the statements of the ops it applies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Fujin@2005"
PUBLISHER = "zhaoxin"  # 信息科科长 (publisher)
CLERK = "wangli"  # 县政府办 文书 (clerk)


@dataclass
class Device:
    user_id: str
    device_id: str
    refresh: str
    expired_access: str
    cursor: str
    op_type: str
    op_data: dict[str, Any]
    offset: float = 0.0


@dataclass
class Outcome:
    synced: float | None = None  # seconds from arrival to the op's answer
    done_at: float | None = None  # wall clock when synced
    late: float = 0.0  # how late the client started the device (client saturation)
    objects: int = 0
    error: str | None = None
    stream_open: bool = False
    stream_error: str | None = None
    events: list[tuple[float, int]] = field(default_factory=list)


# --- raw HTTP/1.1 over asyncio streams ------------------------------------------------


class HttpError(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        code = ""
        with contextlib.suppress(ValueError, AttributeError):
            code = str(json.loads(body).get("code", ""))
        super().__init__(f"{status} {code}".strip())


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    line = await reader.readline()
    if not line:
        raise ConnectionResetError("connection closed")
    status = int(line.split(b" ", 2)[1])
    headers: dict[str, str] = {}
    while True:
        h = await reader.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers


async def _read_chunk(reader: asyncio.StreamReader) -> bytes:
    size = int((await reader.readline()).split(b";")[0], 16)
    data = await reader.readexactly(size + 2)
    return data[:-2]


def _request(host: str, method: str, path: str, body: dict[str, Any] | None,
             token: str | None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


class Conn:
    """One keep-alive connection; `call` sends a request and reads the whole answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None,
                   token: str | None = None) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(_request(self.host, method, path, body, token))
        status, headers = await _read_head(self.reader)
        if headers.get("transfer-encoding") == "chunked":
            parts = []
            while chunk := await _read_chunk(self.reader):
                parts.append(chunk)
            await self.reader.readline()
            raw = b"".join(parts)
        else:
            raw = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, raw

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


# --- one client process ---------------------------------------------------------------


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rfc3339_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


async def _hold_stream(host: str, port: int, token: str, out: Outcome,
                       opened: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        out.stream_error = f"events:{type(exc).__name__}"
        opened.set()
        return
    try:
        writer.write(_request(host, "GET", "/api/v1/events", None, token))
        status, _ = await _read_head(reader)
        if status != 200:
            out.stream_error = f"events:{status}"
            return
        buf = b""
        while True:
            chunk = await _read_chunk(reader)
            if not chunk:  # the platform ended the stream
                out.stream_error = "events:ended"
                break
            buf += chunk
            while b"\n\n" in buf:
                event, buf = buf.split(b"\n\n", 1)
                for line in event.split(b"\n"):
                    if line.startswith(b"data: "):
                        # The seq numbers the stream's own events (protocol, issue 13).
                        out.events.append((time.time(), int(json.loads(line[6:])["seq"])))
                        if not out.stream_open:
                            out.stream_open = True
                            opened.set()
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        out.stream_error = f"events:{type(exc).__name__}"
    except asyncio.CancelledError:
        pass
    finally:
        opened.set()
        writer.close()


async def _device(d: Device, t0: float, host: str, port: int, out: Outcome,
                  streams: list[asyncio.Task[None]], opened: asyncio.Event,
                  tokens: dict[str, tuple[str, str]]) -> None:
    arrival = t0 + d.offset
    await asyncio.sleep(max(0.0, arrival - time.time()))
    out.late = max(0.0, time.time() - arrival)
    phase = "connect"
    conn = Conn(host, port)
    try:
        await conn.open()
        phase = "refresh"
        status, raw = await conn.call("POST", "/api/v1/auth/refresh",
                                      {"refresh_token": d.refresh})
        if status != 200:
            raise HttpError(status, raw)
        access = json.loads(raw)["access_token"]
        phase = "changes"
        cursor = d.cursor
        while True:
            status, raw = await conn.call(
                "GET", "/api/v1/changes?" + urlencode({"cursor": cursor, "limit": 500}),
                token=access)
            if status != 200:
                raise HttpError(status, raw)
            page = json.loads(raw)
            out.objects += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        phase = "ops"
        op = {"op_id": uuid.uuid4().hex, "type": d.op_type,
              "data": {**d.op_data, "at": _rfc3339_now()}}
        status, raw = await conn.call("POST", "/api/v1/ops", {"ops": [op]}, token=access)
        if status != 200:
            raise HttpError(status, raw)
        result = json.loads(raw)["results"][0]
        if result["status"] != "applied":
            raise HttpError(status, json.dumps({"code": f"op.{result['status']}"}).encode())
        out.done_at = time.time()
        out.synced = out.done_at - arrival
        tokens[d.device_id] = (access, cursor)
    except HttpError as exc:
        out.error = f"{phase}:{exc}"
    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError) as exc:
        out.error = f"{phase}:{type(exc).__name__}"
    finally:
        conn.close()
    if out.error is None:
        streams.append(asyncio.create_task(_hold_stream(host, port, access, out, opened)))
    else:
        opened.set()


async def _poller(host: str, port: int, token: str, cursor: str, end: float,
                  lat: list[float], errors: Counter[str]) -> None:
    conn = Conn(host, port)
    try:
        await conn.open()
        while True:  # catch up to the head first (the new notice, the receipts)
            status, raw = await conn.call(
                "GET", "/api/v1/changes?" + urlencode({"cursor": cursor, "limit": 1000}),
                token=token)
            page = json.loads(raw)
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        path = "/api/v1/changes?" + urlencode({"cursor": cursor})
        while (t := time.perf_counter()) < end:
            status, raw = await conn.call("GET", path, token=token)
            if status != 200 or b'"changes":[]' not in raw:
                errors[f"poll:{status}"] += 1
                continue
            lat.append(time.perf_counter() - t)
    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError) as exc:
        errors[f"poll:{type(exc).__name__}"] += 1
    finally:
        conn.close()


async def _client(base: str, devices: list[Device], pipe: Connection) -> None:
    u = urlparse(base)
    host, port = str(u.hostname), int(u.port or 80)
    loop = asyncio.get_running_loop()

    async def recv() -> Any:
        return await loop.run_in_executor(None, pipe.recv)

    t0 = await recv()
    cpu0 = _cpu()
    outs = [Outcome() for _ in devices]
    streams: list[asyncio.Task[None]] = []
    tokens: dict[str, tuple[str, str]] = {}
    opened = [asyncio.Event() for _ in devices]
    await asyncio.gather(*(_device(d, t0, host, port, o, streams, e, tokens)
                           for d, o, e in zip(devices, outs, opened, strict=True)))
    synced_cpu = _cpu() - cpu0
    with contextlib.suppress(TimeoutError):  # a stream not open by then is counted as such
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 60)
    pipe.send([(o.synced, o.done_at, o.late, o.objects, o.error, o.stream_open,
                o.stream_error) for o in outs] + [synced_cpu])

    # Events carry no feed seq (a count of the stream's own events): an event counts as
    # "told" when it is the first that arrived after the parent started publishing.
    published_from, timeout = await recv()
    cpu1 = _cpu()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(any(t >= published_from for t, _ in o.events) or o.stream_error
               or not o.stream_open for o in outs):
            break
        await asyncio.sleep(0.02)
    seen = []
    for d, o in zip(devices, outs, strict=True):
        if o.stream_open:
            times = [t for t, _ in o.events if t >= published_from]
            seen.append(min(times) if times else None)
            if not times and os.environ.get("RUSH_DEBUG"):
                print("not told:", d.user_id, d.op_type, len(o.events), o.done_at, file=sys.stderr)
    pipe.send((seen, [o.stream_error for o in outs if o.stream_error], _cpu() - cpu1))

    seconds, pollers = await recv()
    cpu2 = _cpu()
    lat: list[float] = []
    errors: Counter[str] = Counter()
    end = time.perf_counter() + seconds
    chosen = list(tokens.values())[:pollers]
    await asyncio.gather(*(_poller(host, port, tok, cur, end, lat, errors)
                           for tok, cur in chosen))
    still_open = sum(1 for o in outs if o.stream_open and o.stream_error is None)
    pipe.send((lat, dict(errors), still_open, _cpu() - cpu2))

    await recv()  # stop
    for task in streams:
        task.cancel()
    await asyncio.gather(*streams, return_exceptions=True)


def _client_main(base: str, devices: list[Device], pipe: Connection) -> None:
    _raise_nofile()
    asyncio.run(_client(base, devices, pipe))


# --- set-up: accounts, sessions of the night before, the night's work ------------------


def _setup(db_url: str, n_devices: int, seed: int) -> tuple[list[Device], float]:
    from server import auth, clock, directory, feed, notices, security, workflow
    from server.db import init_database, write_tx
    from server.models import AuthSession, Unit, User

    t0 = time.perf_counter()
    init_database(db_url)
    rng = random.Random(seed)
    users = list(User.select().where(User.active == True).order_by(User.username))  # noqa: E712
    units = [u.id for u in Unit.select(Unit.id).order_by(Unit.id)]
    missing = n_devices - len(users)
    if missing > 0:
        pw_hash = security.hash_password(PASSWORD)
        with write_tx():
            for i in range(missing):
                users.append(directory.create_user(
                    f"rush{i:04d}", PASSWORD, f"科员{i:04d}", units[i % len(units)],
                    ["staff"], "科员", password_hash=pw_hash))
    users = users[:n_devices]
    # Signed in last night (12 h ago); the access token expired overnight.
    now = clock.now()
    rows, devices = [], []
    for i, user in enumerate(users):
        session = AuthSession(id=uuid.uuid4().hex, user=user.id, device_id=f"rush-pc-{i:04d}",
                              device_name=f"PC {i:04d}", created_at=now - timedelta(hours=12))
        access, refresh = auth._issue(session)
        session.access_expires_at = now - timedelta(hours=11)
        rows.append(session.__data__)
        devices.append((user, session.device_id, refresh, access))
    with write_tx():
        for i in range(0, len(rows), 500):
            AuthSession.insert_many(rows[i:i + 500]).execute()
    st = feed.feed_state()
    night = feed.encode_cursor(st.instance_id, st.seq, st.min_cursor_seq, feed.mark_of(st.seq),
                               st.restore_epoch)

    # Overnight: documents routed to some users, a notice to everyone.
    clerk = User.get(User.username == CLERK)
    publisher = User.get(User.username == PUBLISHER)
    routed: dict[str, str] = {}
    targets = [u for u, *_ in devices if u.id != clerk.id]
    rng.shuffle(targets)
    n_docs = max(1, n_devices // 30)
    for k in range(n_docs):
        to = targets[3 * k: 3 * k + 3]
        doc = workflow.register_document(
            clerk, meta={"doc_number": f"富政发〔2005〕{100 + k}号", "issuer": "富锦市人民政府",
                         "doc_type": "通知", "title": f"关于做好第{k + 1}项冬季工作的通知",
                         "issued_on": "2005-11-30", "urgency": "normal",
                         "main_recipients": ["各镇人民政府"]},
            body_bytes=f"正文 {k}".encode(), body_media_type="text/plain",
            propose_to=[u.id for u in to])
        for u in to:
            routed[u.id] = doc.id
    notice, _ = notices.publish_notice(
        publisher, title="关于明日上午召开全县冬季防火工作会议的通知",
        body="请各单位主要负责同志准时参加。", audience_unit_ids=units, requires_ack=True)
    out = []
    for user, device_id, refresh, access in devices:
        if user.id in routed:
            op_type, data = "document.mark_read", {"document_id": routed[user.id]}
        else:
            op_type, data = "notice.ack", {"notice_id": notice.id}
        out.append(Device(user.id, device_id, refresh, access, night, op_type, data))
    return out, time.perf_counter() - t0


def _publish_after_rush(units: list[str]) -> tuple[float, float]:
    """A new notice to everyone; returns (wall time before it, wall time of its commit)."""
    from server import notices
    from server.models import User

    publisher = User.get(User.username == PUBLISHER)
    before = time.time()
    notices.publish_notice(publisher, title="紧急通知：今日上午十时召开视频会议",
                           body="请各单位准时参会。", audience_unit_ids=units, urgent=True)
    return before, time.time()


# --- measurement helpers --------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its children so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postmaster_pid(db_url: str) -> int | None:
    """The PostgreSQL server's pid (its data directory's postmaster.pid), if readable."""
    from server.db import database

    try:
        (data_dir,) = database.obj.execute_sql("SHOW data_directory").fetchone()
        return int(Path(data_dir, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, TypeError, IndexError):
        return None
    except Exception:  # not allowed to read the setting (not superuser)
        return None


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Morning rush at 08:00: refresh, pull the night's work, push one op and "
                    "hold an events stream, for every device at once (see the module docstring).")
    ap.add_argument("--devices", type=int, default=364, help="devices (PCs); default 364")
    ap.add_argument("--pg", help="PostgreSQL database URL (emptied by init-demo --force); "
                                 "default: a fresh SQLite file")
    ap.add_argument("--workers", type=int, default=1, help="platform worker processes")
    ap.add_argument("--spread", type=float, default=5.0, help="arrivals spread over S seconds")
    ap.add_argument("--procs", type=int, default=2, help="client processes")
    ap.add_argument("--pollers", type=int, default=8,
                    help="no-change polling connections per client process")
    ap.add_argument("--poll-seconds", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    if args.devices < 1 or args.procs < 1:
        ap.error("--devices and --procs must be at least 1")
    _raise_nofile()  # inherited by the platform and the client processes

    from server.db import close_database
    from server.embedded import EmbeddedPlatform
    from server.models import Unit

    tmp = tempfile.TemporaryDirectory(prefix="govdesk-rush-")
    db_url = args.pg or str(Path(tmp.name) / "rush.db")
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "server", "init-demo", "--db", db_url, "--json"]
    if args.pg:
        cmd.append("--force")
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        sys.stderr.write(done.stderr.decode(errors="replace")[-3000:])
        return done.returncode
    print(f"init-demo: {time.perf_counter() - t0:.1f} s")
    devices, setup_s = _setup(db_url, args.devices, args.seed)
    units = [u.id for u in Unit.select(Unit.id)]
    n_docs = sum(1 for d in devices if d.op_type == "document.mark_read")
    print(f"set-up: {len(devices)} devices signed in last night (access tokens expired), "
          f"overnight {max(1, args.devices // 30)} documents routed to {n_docs} users and a "
          f"notice to all {len(units)} units ({setup_s:.1f} s)")
    rng = random.Random(args.seed)
    for d in devices:
        d.offset = rng.uniform(0, args.spread)
    backend = "postgresql" if db_url.startswith("postgres") else "sqlite"
    pg_pid = _postmaster_pid(db_url) if backend == "postgresql" else None

    with EmbeddedPlatform(db_url, demo=False, workers=args.workers) as platform:
        print(f"backend {backend}, {args.workers} worker(s), {args.procs} client processes, "
              f"arrivals over {args.spread:g} s")
        assert platform.pid is not None
        ctx = mp.get_context("fork")
        pipes, procs = [], []
        for i in range(args.procs):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_client_main,
                            args=(platform.base_url, devices[i::args.procs], child))
            p.start()
            pipes.append(parent)
            procs.append(p)

        def phase_cpu() -> tuple[float, float]:
            return (cpu_seconds(platform.pid or 0),
                    cpu_seconds(pg_pid) if pg_pid else 0.0)

        start = time.time() + 1.0
        srv0 = phase_cpu()
        for pipe in pipes:
            pipe.send(start)
        rows: list[tuple[Any, ...]] = []
        client_cpu = 0.0
        for pipe in pipes:
            got = pipe.recv()
            client_cpu += got.pop()
            rows += got
        srv1 = phase_cpu()
        synced = sorted(r[0] for r in rows if r[0] is not None)
        all_done = max((r[1] for r in rows if r[1] is not None), default=start) - start
        errors = Counter(r[4] for r in rows if r[4]) + Counter(r[6] for r in rows if r[6])
        late = max(r[2] for r in rows)
        objects = statistics.median(r[3] for r in rows) if rows else 0
        open_streams = sum(1 for r in rows if r[5] and not r[6])
        print(f"rush: {len(synced)}/{len(devices)} synced, all within {all_done:.2f} s of the "
              f"first arrival; time-to-synced p50 {_pct(synced, 0.5):.3f} s, "
              f"p95 {_pct(synced, 0.95):.3f} s, p99 {_pct(synced, 0.99):.3f} s, "
              f"max {synced[-1] if synced else float('nan'):.3f} s; median pull "
              f"{objects:.0f} objects; client start lateness max {late:.3f} s")
        print(f"  errors by kind: {dict(errors) or 'none'}; {open_streams} event streams open")
        print(f"  CPU during the rush: platform {srv1[0] - srv0[0]:.1f} s"
              + (f", PostgreSQL {srv1[1] - srv0[1]:.1f} s" if pg_pid else "")
              + f", load generator {client_cpu:.1f} s")

        time.sleep(1.0)
        before, published = _publish_after_rush(units)
        for pipe in pipes:
            pipe.send((before, 15.0))
        seen: list[float | None] = []
        stream_errors: list[str] = []
        ev_cpu = 0.0
        for pipe in pipes:
            s, errs, c = pipe.recv()
            seen += s
            stream_errors += errs
            ev_cpu += c
        reached = sorted(t - published for t in seen if t is not None)
        if len(reached) < len(seen):  # say why: the platform's log (errors only)
            print("  streams not told; the platform's log ends:\n"
                  + platform.log_tail(3000))
        print(f"event: a new notice reached {len(reached)}/{len(seen)} open streams; "
              f"the last after {reached[-1] if reached else float('nan'):.2f} s "
              f"(p50 {_pct(reached, 0.5):.2f} s; the platform polls the feed seq every 0.5 s)"
              + (f"; stream errors {dict(Counter(stream_errors))}" if stream_errors else ""))

        srv2 = phase_cpu()
        for pipe in pipes:
            pipe.send((args.poll_seconds, args.pollers))
        lats: list[float] = []
        poll_errors: Counter[str] = Counter()
        held = 0
        poll_cpu = 0.0
        for pipe in pipes:
            lat, errs, still, c = pipe.recv()
            lats += lat
            poll_errors.update(errs)
            held += still
            poll_cpu += c
        srv3 = phase_cpu()
        lats.sort()
        print(f"no-change polls ({args.procs * args.pollers} connections, {args.poll_seconds:g} s, "
              f"{held} streams held): {len(lats) / args.poll_seconds:,.0f} req/s, "
              f"p50 {1000 * _pct(lats, 0.5):.1f} ms, p99 {1000 * _pct(lats, 0.99):.1f} ms; "
              f"errors {dict(poll_errors) or 'none'}")
        print(f"  CPU during the polls: platform {srv3[0] - srv2[0]:.1f} s"
              + (f", PostgreSQL {srv3[1] - srv2[1]:.1f} s" if pg_pid else "")
              + f", load generator {poll_cpu:.1f} s ({args.poll_seconds:g} s wall, 2 cores)")
        for pipe in pipes:
            pipe.send("stop")
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    close_database()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
