"""Process metrics for `/metrics` (Prometheus text format 0.0.4).

Counters live in this process: with several workers (`serve --workers N`) each answers
for itself, so Prometheus should scrape each worker, or sum what one scrape gets over
time (docs/operate.md). What the database knows (feed head, live sessions) is read at
scrape time and is the same from every worker.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

# Latency buckets (seconds) of the request histogram.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_requests: dict[tuple[str, str], int] = defaultdict(int)   # (method, status class) -> n
_latency_buckets = [0] * len(BUCKETS)
_latency_sum = 0.0
_latency_count = 0
_ops_applied: dict[str, int] = defaultdict(int)            # status -> n
_db_errors = 0


def count_op(status: str) -> None:
    with _lock:
        _ops_applied[status] += 1


def count_db_error() -> None:
    global _db_errors
    with _lock:
        _db_errors += 1


def _observe(method: str, status: int, seconds: float) -> None:
    global _latency_sum, _latency_count
    with _lock:
        _requests[(method, f"{status // 100}xx")] += 1
        _latency_sum += seconds
        _latency_count += 1
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                _latency_buckets[i] += 1


class MetricsMiddleware:
    """Counts every HTTP request and its latency (to the end of the response body)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] == "/api/v1/events":
            # The event stream lasts for hours: its "latency" would say nothing.
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _observe(scope.get("method", "GET"), status, time.perf_counter() - started)


def render(*, feed_head: int | None, sessions: int | None) -> str:
    """The metrics page; `feed_head`/`sessions` None when the database did not answer."""
    lines = [
        "# HELP govdesk_http_requests_total HTTP requests answered, by method and status class.",
        "# TYPE govdesk_http_requests_total counter",
    ]
    with _lock:
        for (method, klass), n in sorted(_requests.items()):
            lines.append(f'govdesk_http_requests_total{{method="{method}",status="{klass}"}} {n}')
        lines += ["# HELP govdesk_http_request_duration_seconds Request latency.",
                  "# TYPE govdesk_http_request_duration_seconds histogram"]
        for bound, n in zip(BUCKETS, _latency_buckets, strict=True):
            lines.append(f'govdesk_http_request_duration_seconds_bucket{{le="{bound}"}} {n}')
        lines += [f'govdesk_http_request_duration_seconds_bucket{{le="+Inf"}} {_latency_count}',
                  f"govdesk_http_request_duration_seconds_sum {_latency_sum:.6f}",
                  f"govdesk_http_request_duration_seconds_count {_latency_count}",
                  "# HELP govdesk_ops_total Operations pushed by clients, by first outcome.",
                  "# TYPE govdesk_ops_total counter"]
        for status, n in sorted(_ops_applied.items()):
            lines.append(f'govdesk_ops_total{{status="{status}"}} {n}')
        lines += ["# HELP govdesk_db_errors_total Requests that found the database unavailable.",
                  "# TYPE govdesk_db_errors_total counter", f"govdesk_db_errors_total {_db_errors}"]
    lines += ["# HELP govdesk_db_up 1 when the database answered this scrape.",
              "# TYPE govdesk_db_up gauge", f"govdesk_db_up {0 if feed_head is None else 1}"]
    if feed_head is not None:
        lines += ["# HELP govdesk_feed_head_seq The change feed's latest seq.",
                  "# TYPE govdesk_feed_head_seq gauge", f"govdesk_feed_head_seq {feed_head}"]
    if sessions is not None:
        lines += ["# HELP govdesk_sessions_active Signed-in device sessions not revoked or expired.",
                  "# TYPE govdesk_sessions_active gauge", f"govdesk_sessions_active {sessions}"]
    return "\n".join(lines) + "\n"
