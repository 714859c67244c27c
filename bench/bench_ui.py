"""UI figures on a 100,000-document cache: process start → first painted inbox, frame
time while scrolling, memory. Prints figures; not part of the test run.

    .venv/bin/python bench/bench_ui.py [--count 100000] [--runs 3] [--cache DIR] [--bare]

Wall time alone misleads on a machine shared with other engineers, so every figure is
given twice: wall clock and CPU time (process CPU up to the first paint; GUI-thread CPU
per frame). Each run is a fresh process; the median run is reported. Memory is the
child's own peak (VmHWM): `ru_maxrss` would include the parent that built the cache,
because Linux keeps it across fork+exec.

`--cache DIR` keeps the built cache in DIR and reuses it on the next call; `--bare`
measures a plain QTableView (how the inbox table was set up before InboxTable).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCROLL_FRAMES = 400


def _proc_status(field: str) -> float:
    """MB from /proc/self/status (VmHWM = peak resident set of this process)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _process_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def child(path: str, key_hex: str, bare: bool) -> None:
    """Runs in a fresh process: everything from import of Qt on is measured."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QTableView

    from client.db import open_cache
    from client.services.inbox import InboxService
    from client.types import InboxFilters, InboxSort, InboxView
    from client.ui import theme
    from client.ui.inbox_model import InboxModel
    from client.ui.ops import BackgroundOps
    from tests.ui.bigcache import ME

    app = QApplication([])
    theme.apply_theme(app, 1.0)
    db = open_cache(Path(path), bytes.fromhex(key_hex))
    db.close()  # the GUI thread never queries: only the db writer thread keeps a connection
    ops = BackgroundOps()
    inbox = InboxService(ME)
    model = InboxModel(ops)
    if bare:
        view = QTableView()
    else:
        from client.ui.inbox_table import InboxTable

        view = InboxTable()
    view.setModel(model)
    view.resize(1200, 800)
    painted: dict[str, float] = {}

    class PaintWatch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and model.rowCount() and "first" not in painted:
                painted["first"] = time.time()
                painted["cpu"] = _process_cpu()
            return False

    watch = PaintWatch()
    view.viewport().installEventFilter(watch)
    view.show()
    model.set_fetcher(lambda after, limit: inbox.page(
        InboxView.TODO, InboxFilters(), sort=InboxSort.RECEIVED, after=after, limit=limit))
    while "first" not in painted:
        app.processEvents()
        time.sleep(0.001)

    bar = view.verticalScrollBar()
    frames, frame_cpu = [], []
    for _ in range(SCROLL_FRAMES):
        t, c = time.perf_counter(), time.thread_time()
        bar.setValue(bar.value() + 3)
        view.viewport().repaint()
        app.processEvents()
        frames.append((time.perf_counter() - t) * 1000)
        frame_cpu.append((time.thread_time() - c) * 1000)
        if model.is_loading():
            ops.wait_idle()
    frames.sort()
    frame_cpu.sort()
    p95 = int(len(frames) * 0.95)
    print(json.dumps({
        "first_paint": painted["first"],
        "first_paint_cpu_s": painted["cpu"],
        "frame_ms_median": statistics.median(frames),
        "frame_ms_p95": frames[p95],
        "frame_ms_max": frames[-1],
        "frame_cpu_ms_median": statistics.median(frame_cpu),
        "frame_cpu_ms_p95": frame_cpu[p95],
        "rows_held": model.rowCount(),
        "pages_fetched": model.pages_fetched,
        "peak_rss_mb": _proc_status("VmHWM"),
        "module": sys.modules["client"].__file__,
    }))
    ops.shutdown()


def _build(cache_dir: Path, count: int) -> tuple[Path, str]:
    from tests.ui import bigcache

    path = cache_dir / f"cache-{count}.db"
    key_file = cache_dir / f"cache-{count}.key"
    if path.exists() and key_file.exists():
        return path, key_file.read_text().strip()
    key = os.urandom(32)
    t = time.perf_counter()
    bigcache.build(path, key, count)
    key_file.write_text(key.hex())
    print(f"cache of {count:,} documents built in {time.perf_counter() - t:.1f} s")
    return path, key.hex()


def _run(path: Path, key_hex: str, home: str, bare: bool) -> dict[str, float]:
    start = time.time()
    argv = [sys.executable, __file__, "--child", str(path), key_hex]
    out = subprocess.run(argv + (["--bare"] if bare else []), capture_output=True, text=True,
                         env={**os.environ, "GOVDESK_HOME": home})
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["start_s"] = figures["first_paint"] - start
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", help="directory to keep (and reuse) the built cache in")
    parser.add_argument("--bare", action="store_true", help="plain QTableView")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, bare=args.bare)
        return 0
    with tempfile.TemporaryDirectory(prefix="govdesk-bench-") as tmp:
        cache_dir = Path(args.cache) if args.cache else Path(tmp)
        cache_dir.mkdir(parents=True, exist_ok=True)
        path, key_hex = _build(cache_dir, args.count)
        runs = [_run(path, key_hex, tmp, args.bare) for _ in range(args.runs)]
    print(f"code: {runs[0]['module']}  ({'bare QTableView' if args.bare else 'InboxTable'}, "
          f"{args.runs} runs, median; load average {os.getloadavg()[0]:.2f})")

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"process start → first painted inbox: {med('start_s'):.2f} s wall, "
          f"{med('first_paint_cpu_s'):.2f} s CPU "
          "(runs: " + ", ".join(f"{r['start_s']:.2f}" for r in runs) + ")")
    print(f"scrolling frame time: median {med('frame_ms_median'):.1f} ms, "
          f"p95 {med('frame_ms_p95'):.1f} ms, max {med('frame_ms_max'):.1f} ms wall; "
          f"GUI-thread CPU median {med('frame_cpu_ms_median'):.1f} ms, "
          f"p95 {med('frame_cpu_ms_p95'):.1f} ms "
          f"({runs[0]['rows_held']} rows held after {runs[0]['pages_fetched']} pages)")
    print(f"peak memory (VmHWM of the UI process): {med('peak_rss_mb'):.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
