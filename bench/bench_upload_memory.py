"""Platform memory under parallel blob uploads (issue 13, finding 14), SQLite or PostgreSQL.

    .venv/bin/python bench/bench_upload_memory.py [--pg postgresql://...] [--parallel 6]
        [--mb 60]

Starts the platform as a subprocess (`python -m server serve`, EmbeddedPlatform) on a
fresh database, signs in as many users as uploads (so the per-user limits do not
refuse them), and PUTs `--parallel` different blobs of `--mb` MB at the same time over
raw HTTP. Prints the platform process's resident memory before and its peak during the
uploads (Linux: VmHWM of /proc/PID/status, reset through clear_refs first), then checks
that every blob reads back. With PostgreSQL, the database server's own memory is not
counted (it is another process).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.embedded import EmbeddedPlatform  # noqa: E402

PASSWORD = "Bench#2005"


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _conn(base: str) -> http.client.HTTPConnection:
    u = urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=600)


def _login(base: str, username: str) -> str:
    conn = _conn(base)
    conn.request("POST", "/api/v1/auth/login", body=json.dumps({
        "username": username, "password": PASSWORD, "device_id": "bench-" + username,
        "device_name": "bench"}), headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    raw = resp.read()
    assert resp.status == 200, raw
    return str(json.loads(raw)["access_token"])


def _make_users(db_url: str, n: int) -> list[str]:
    from server import directory
    from server.db import close_database, init_database

    init_database(db_url)
    unit = directory.create_unit("基准测试局", "bureau")
    names = [f"bench{i}" for i in range(n)]
    for name in names:
        directory.create_user(name, PASSWORD, name, unit.id, ["staff"], "科员")
    close_database()
    return names


def _put(base: str, token: str, data: bytes, out: list[int]) -> None:
    sha = hashlib.sha256(data).hexdigest()
    conn = _conn(base)
    conn.putrequest("PUT", f"/api/v1/blobs/{sha}")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", "application/pdf")
    conn.putheader("Content-Length", str(len(data)))
    conn.endheaders()
    view = memoryview(data)
    for i in range(0, len(data), 256 * 1024):  # as a network would deliver it
        conn.send(view[i:i + 256 * 1024])
    resp = conn.getresponse()
    resp.read()
    out.append(resp.status)


def _check(base: str, token: str, data: bytes) -> bool:
    sha = hashlib.sha256(data).hexdigest()
    conn = _conn(base)
    conn.request("GET", f"/api/v1/blobs/{sha}", headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    return resp.status == 200 and hashlib.sha256(resp.read()).hexdigest() == sha


def run(db_url: str | None, parallel: int, mb: int) -> None:
    from tests.support.postgres import fresh_pg_database

    with (fresh_pg_database(db_url) if db_url else _nullcontext(None)) as url, \
            EmbeddedPlatform(url, demo=False) as platform:
        names = _make_users(platform.db_url, parallel)
        tokens = [_login(platform.base_url, n) for n in names]
        bodies = [os.urandom(mb * 1024 * 1024) for _ in range(parallel)]
        assert platform._proc is not None
        pid = platform._proc.pid
        # Warm up one small upload so imports and pools are counted in "before".
        small: list[int] = []
        _put(platform.base_url, tokens[0], os.urandom(1000), small)
        before = _status_kb(pid, "VmRSS")
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to VmRSS
        except OSError:
            print("note: cannot reset the peak (clear_refs); peak includes start-up")
        statuses: list[int] = []
        threads = [threading.Thread(target=_put, args=(platform.base_url, t, b, statuses))
                   for t, b in zip(tokens, bodies, strict=True)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        peak = _status_kb(pid, "VmHWM")
        ok = all(_check(platform.base_url, t, b) for t, b in zip(tokens, bodies, strict=True))
        backend = "postgresql" if db_url else "sqlite"
        print(f"{backend}: {parallel} parallel uploads of {mb} MB in {seconds:.1f} s, "
              f"statuses {sorted(statuses)}, read back {'ok' if ok else 'FAILED'}")
        print(f"  platform RSS before {before / 1024:.0f} MB, peak during "
              f"{peak / 1024:.0f} MB (+{(peak - before) / 1024:.0f} MB)")


class _nullcontext:
    def __init__(self, value: object) -> None:
        self.value = value

    def __enter__(self) -> object:
        return self.value

    def __exit__(self, *exc: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (a fresh database is made there)")
    parser.add_argument("--parallel", type=int, default=6)
    parser.add_argument("--mb", type=int, default=60)
    args = parser.parse_args()
    run(args.pg, args.parallel, args.mb)


if __name__ == "__main__":
    main()
