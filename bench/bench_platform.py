"""Platform throughput: full change-feed pull and no-change polls, SQLite or PostgreSQL.

    .venv/bin/python bench/bench_platform.py [--scale 3000] [--pg postgresql://...]
        [--workers 1] [--clients 2] [--seconds 5] [--users wangli,zhangjianguo]

Fills a fresh database with `python -m server init-demo --scale N`, starts the platform
as a subprocess (`python -m server serve`) and measures from client processes that talk
raw HTTP/1.1 keep-alive (http.client), so the client costs as little CPU as possible.
Targets (2 cores): full pull >= 10,000 objects/s, no-change polls >= 1,000 req/s.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.embedded import EmbeddedPlatform  # noqa: E402

PASSWORD = "Fujin@2005"


def _conn(base: str) -> http.client.HTTPConnection:
    u = urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def _request(conn, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, bytes, dict]:
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    if resp.getheader("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return resp.status, raw, dict(resp.getheaders())


def login(base: str, username: str) -> str:
    conn = _conn(base)
    status, raw, _ = _request(conn, "POST", "/api/v1/auth/login", {
        "username": username, "password": PASSWORD, "device_id": "bench-" + username})
    assert status == 200, raw
    return json.loads(raw)["access_token"]


def full_pull(base: str, token: str, gzip_ok: bool) -> tuple[int, float, str, int]:
    conn = _conn(base)
    headers = {"Authorization": f"Bearer {token}"}
    if gzip_ok:
        headers["Accept-Encoding"] = "gzip"
    cursor, objects, wire = None, 0, 0
    t0 = time.perf_counter()
    while True:
        q = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        conn.request("GET", "/api/v1/changes?" + urlencode(q), headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        wire += len(raw)
        assert resp.status == 200, raw[:300]
        if resp.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        page = json.loads(raw)
        objects += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    return objects, time.perf_counter() - t0, cursor, wire


def _poller(base: str, token: str, cursor: str, seconds: float, out: mp.Queue) -> None:
    conn = _conn(base)
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    path = "/api/v1/changes?" + urlencode({"cursor": cursor})
    lat: list[float] = []
    end = time.perf_counter() + seconds
    while True:
        t = time.perf_counter()
        if t >= end:
            break
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200 and b'"changes":[]' in body, body[:200]
        lat.append(time.perf_counter() - t)
    out.put(lat)


def cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its children so far (Linux /proc)."""
    import os

    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def polls(base: str, token: str, cursor: str, clients: int, seconds: float) -> dict:
    q: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_poller, args=(base, token, cursor, seconds, q))
             for _ in range(clients)]
    for p in procs:
        p.start()
    lats: list[float] = []
    for _ in procs:
        lats += q.get()
    for p in procs:
        p.join()
    lats.sort()
    return {"req_per_s": len(lats) / seconds,
            "p50_ms": 1000 * lats[len(lats) // 2],
            "p99_ms": 1000 * lats[int(len(lats) * 0.99)]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, default=3000)
    ap.add_argument("--pg", help="PostgreSQL database URL (emptied by init-demo --force)")
    ap.add_argument("--db", help="existing filled database URL/path: skip init-demo")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--users", default="wangli,zhangjianguo,admin")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="govdesk-bench-")
    if args.db:
        db_url = args.db
    else:
        db_url = args.pg or str(Path(tmp.name) / "bench.db")
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "server", "init-demo", "--db", db_url, "--json",
               "--scale", str(args.scale)]
        if args.pg:
            cmd.append("--force")
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"init-demo --scale {args.scale}: {time.perf_counter() - t0:.1f} s")
    backend = "postgresql" if db_url.startswith("postgres") else "sqlite"
    with EmbeddedPlatform(db_url, demo=False, workers=args.workers) as platform:
        base = platform.base_url
        print(f"backend {backend}, {args.workers} worker(s), base {base}")
        cursor_of: dict[str, tuple[str, str]] = {}
        for user in args.users.split(","):
            token = login(base, user)
            for gz in (False, True):
                cpu0 = cpu_seconds(platform.pid)
                runs = [full_pull(base, token, gz) for _ in range(3)]
                cpu = (cpu_seconds(platform.pid) - cpu0) / 3
                n, _, cursor, wire = runs[0]
                rate = statistics.median(r[0] / r[1] for r in runs)
                print(f"full pull {user:>13} ({'gzip' if gz else 'plain'}): {n} objects, "
                      f"{wire / 1e6:.2f} MB on the wire, median {rate:,.0f} objects/s wall, "
                      f"server CPU {1e6 * cpu / max(n, 1):.1f} us/object "
                      f"(= {n / max(cpu, 1e-9):,.0f} objects/s per core)")
            cursor_of[user] = (token, cursor)
        user = args.users.split(",")[0]
        token, cursor = cursor_of[user]
        cpu0 = cpu_seconds(platform.pid)
        r = polls(base, token, cursor, args.clients, args.seconds)
        cpu = cpu_seconds(platform.pid) - cpu0
        n = r["req_per_s"] * args.seconds
        print(f"no-change polls ({args.clients} client processes, {args.seconds:.0f} s): "
              f"{r['req_per_s']:,.0f} req/s wall, p50 {r['p50_ms']:.2f} ms, "
              f"p99 {r['p99_ms']:.2f} ms; server CPU {1000 * cpu / max(n, 1):.3f} ms/request "
              f"(= {n / max(cpu, 1e-9):,.0f} req/s per core)")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
