"""Blob GET of a forbidden hash against an absent one (issue 13, finding 15).

    .venv/bin/python bench/bench_blob_oracle.py [--rounds 2000] [--refs 3]

Builds a SQLite platform with two users: alice uploads a blob that `--refs` documents
only she sees refer to; bob asks for it (forbidden) and for hashes nobody stored
(absent), interleaved. Prints the medians, in microseconds:
- in-process, the platform's look-up (`server.blobs.readable_info`) and, for reference,
  the look-up it replaced (the blob row first, then the grant and the references);
- over HTTP (one keep-alive connection to a platform subprocess), the whole GET.
The rule: the forbidden and absent medians differ by no more than the noise of the
loopback round trip (the old look-up answered an absent hash two queries sooner).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Secret#2005"


def _setup(db: Path, refs: int) -> tuple[str, str, str]:
    from server import blobs, directory, feed
    from server.db import init_database, write_tx

    init_database(str(db))
    unit = directory.create_unit("市财政局", "bureau", unit_id="czj")
    alice = directory.create_user("alice", PASSWORD, "陈明", unit.id, ["staff"], "", user_id="u-a")
    directory.create_user("bob", PASSWORD, "周强", unit.id, ["staff"], "", user_id="u-b")
    data = os.urandom(4096)
    sha = blobs.store_blob(data, "application/pdf", uploaded_by=alice.id)
    with write_tx():
        for n in range(refs):
            feed.publish("document", f"d{n}", {"id": f"d{n}"}, {alice.id}, blobs=[sha])
        for n in range(2000):  # a feed of some size around it
            feed.publish("document", f"x{n}", {"id": f"x{n}"}, {alice.id})
    absent = hashlib.sha256(b"never stored").hexdigest()
    return sha, absent, "u-b"


def _old_lookup(user_id: str, sha256: str) -> object:
    from server import blobs

    info = blobs.blob_info(sha256)
    if info is None or not blobs.may_read(user_id, sha256):
        return None
    return info


def _medians(fn: Callable[[str], object], forbidden: str, absent: str,
             rounds: int) -> tuple[float, float]:
    times: dict[str, list[float]] = {forbidden: [], absent: []}
    for _ in range(rounds):
        for sha in (forbidden, absent):
            t0 = time.perf_counter_ns()
            fn(sha)
            times[sha].append((time.perf_counter_ns() - t0) / 1000)
    return statistics.median(times[forbidden]), statistics.median(times[absent])


def _http(base: str, rounds: int, forbidden: str, absent: str) -> tuple[float, float]:
    u = urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = json.dumps({"username": "bob", "password": PASSWORD, "device_id": "bench"})
    conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    token = json.loads(conn.getresponse().read())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    answers = set()

    def get(sha: str) -> None:
        conn.request("GET", f"/api/v1/blobs/{sha}", headers=headers)
        resp = conn.getresponse()
        answers.add((resp.status, resp.read().replace(sha.encode(), b"<sha>")))

    for sha in (forbidden, absent) * 50:  # warm up
        get(sha)
    result = _medians(get, forbidden, absent, rounds)
    conn.close()
    assert len(answers) == 1, answers  # the same bytes either way
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--refs", type=int, default=3)
    args = parser.parse_args()
    from server import blobs
    from server.db import close_database
    from server.embedded import EmbeddedPlatform

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "platform.db"
        forbidden, absent, bob = _setup(db, args.refs)
        now = _medians(lambda s: blobs.readable_info(bob, s), forbidden, absent, args.rounds)
        old = _medians(lambda s: _old_lookup(bob, s), forbidden, absent, args.rounds)
        close_database()
        with EmbeddedPlatform(db, demo=False) as live:
            over_http = _http(live.base_url, args.rounds, forbidden, absent)
    print(f"rounds {args.rounds}, references to the forbidden blob {args.refs}; medians in µs")
    print(f"{'':34}{'forbidden':>10}{'absent':>10}{'diff':>9}")
    for name, (f, a) in (("look-up now (readable_info)", now),
                         ("look-up before (row, then rights)", old),
                         ("GET over HTTP, now", over_http)):
        print(f"{name:34}{f:10.1f}{a:10.1f}{f - a:9.1f}")


if __name__ == "__main__":
    main()
