"""UI figures on a 100,000-document cache: process start → first painted inbox, frame
time while scrolling, memory. Prints figures; not part of the test run.

    .venv/bin/python bench/bench_ui.py [--count 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(path: str, key_hex: str) -> None:
    """Runs in a fresh process: everything from import of Qt on is measured."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import resource
    import statistics

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
    open_cache(Path(path), bytes.fromhex(key_hex))
    ops = BackgroundOps()
    inbox = InboxService(ME)
    model = InboxModel(ops)
    view = QTableView()
    view.setModel(model)
    view.resize(1200, 800)
    painted: dict[str, float] = {}

    class PaintWatch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and model.rowCount() and "first" not in painted:
                painted["first"] = time.time()
            return False

    watch = PaintWatch()
    view.viewport().installEventFilter(watch)
    view.show()
    model.set_fetcher(lambda after, limit: inbox.page(
        InboxView.TODO, InboxFilters(), sort=InboxSort.RECEIVED, after=after, limit=limit))
    while "first" not in painted:
        app.processEvents()
        time.sleep(0.001)
    first_paint = painted["first"]

    bar = view.verticalScrollBar()
    frames = []
    for _ in range(400):
        t = time.perf_counter()
        bar.setValue(bar.value() + 3)
        view.viewport().repaint()
        app.processEvents()
        frames.append((time.perf_counter() - t) * 1000)
        if model.is_loading():
            ops.wait_idle()
    frames.sort()
    print(json.dumps({
        "first_paint": first_paint,
        "frame_ms_median": statistics.median(frames),
        "frame_ms_p95": frames[int(len(frames) * 0.95)],
        "frame_ms_max": frames[-1],
        "rows_held": model.rowCount(),
        "pages_fetched": model.pages_fetched,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    ops.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    from tests.ui import bigcache

    with tempfile.TemporaryDirectory(prefix="govdesk-bench-") as tmp:
        path = Path(tmp) / "cache.db"
        key = os.urandom(32)
        t = time.perf_counter()
        bigcache.build(path, key, args.count)
        print(f"cache of {args.count:,} documents built in {time.perf_counter() - t:.1f} s")
        start = time.time()
        out = subprocess.run([sys.executable, __file__, "--child", str(path), key.hex()],
                             capture_output=True, text=True,
                             env={**os.environ, "GOVDESK_HOME": tmp})
        if out.returncode != 0:
            print(out.stderr[-3000:])
            return 1
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"process start → first painted inbox: {figures['first_paint'] - start:.2f} s")
    print(f"scrolling frame time: median {figures['frame_ms_median']:.1f} ms, "
          f"p95 {figures['frame_ms_p95']:.1f} ms, max {figures['frame_ms_max']:.1f} ms "
          f"({figures['rows_held']} rows held after {figures['pages_fetched']} pages)")
    print(f"peak memory (RSS): {figures['max_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
