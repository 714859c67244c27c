"""Workflow latencies on a platform subprocess: registering documents, signing off tasks.

    .venv/bin/python bench/bench_workflow.py [--documents 200] [--pg postgresql://...]

Starts an empty platform (SQLite, or a fresh database on the given PostgreSQL server),
creates a small county, then over HTTP: registers N documents through the admin API
(body upload + registration), completes each one's 拟办 task with a signed
`task.complete` (one op per request), and pulls the mayor's feed. Prints median/p95
latencies and throughputs. Sequential requests from one client: this measures the
per-operation cost, not the platform's capacity under many clients.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.embedded import EmbeddedPlatform  # noqa: E402
from tests.server.workflow_helpers import Api, make_county, register  # noqa: E402
from tests.support.postgres import fresh_pg_database  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name:<28} n={len(ms):<5} median {statistics.median(ms):7.1f} ms   "
          f"p95 {_pct(ms, 0.95):7.1f} ms   {len(ms) / sum(seconds):7.1f}/s")


@contextlib.contextmanager
def _platform(pg: str | None) -> Iterator[EmbeddedPlatform]:
    if pg:
        with fresh_pg_database(pg) as url, EmbeddedPlatform(url, demo=False) as running:
            yield running
    else:
        with EmbeddedPlatform(demo=False) as running:
            yield running


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--pg", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    with _platform(args.pg) as live:
        county = make_county(live.db_url, only=["clerk", "proposer", "mayor"])
        clerk = Api(live.base_url, county.users["clerk"])
        proposer = Api(live.base_url, county.users["proposer"])
        mayor = Api(live.base_url, county.users["mayor"])
        proposer.register_key()
        print(f"backend: {'postgresql' if args.pg else 'sqlite'}; documents: {args.documents}")

        reg: list[float] = []
        docs = []
        for _ in range(args.documents):
            t0 = time.perf_counter()
            docs.append(register(clerk, county)["id"])
            reg.append(time.perf_counter() - t0)
        _report("register (2 PUTs + POST)", reg)

        proposer.pull()
        sign: list[float] = []
        for doc_id in docs:
            data = proposer.signoff_data(proposer.my_pending(doc_id), "approve",
                                         text="请市长阅示。", forward_to=[county.ids["mayor"]])
            t0 = time.perf_counter()
            result = proposer.op("task.complete", data)
            sign.append(time.perf_counter() - t0)
            assert result["status"] == "applied", result
        _report("task.complete (1 op)", sign)

        t0 = time.perf_counter()
        mayor.pull()
        elapsed = time.perf_counter() - t0
        print(f"{'mayor full pull':<28} {len(mayor.state)} objects in {elapsed * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
