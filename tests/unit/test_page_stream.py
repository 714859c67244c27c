"""client.sync.page_stream: pages downloaded ahead, in order, bounded, and stoppable."""

from __future__ import annotations

import threading
import time

import pytest

from client.errors import ConflictError, NetworkError
from client.sync.api import ChangePage
from client.sync.page_stream import DEPTH, PageStream, StreamClosed


def _feed(last: int, fail_at: int | None = None, delay: float = 0.0):  # noqa: ANN202
    """A fake /changes: cursor "cN" leads to page N+1; `fail_at` raises instead."""
    asked: list[str] = []

    def fetch(cursor: str) -> ChangePage:
        asked.append(cursor)
        n = int(cursor[1:]) + 1
        time.sleep(delay)
        if n == fail_at:
            raise NetworkError("network.interrupted", detail=f"page {n}")
        return ChangePage(changes=[{"n": n}], cursor=f"c{n}", has_more=n < last)
    return fetch, asked


def test_pages_come_in_order_each_from_the_cursor_before() -> None:
    fetch, asked = _feed(last=6)
    stream = PageStream(fetch, "c1", lambda: False)
    got = [stream.get().changes[0]["n"] for _ in range(5)]
    stream.close()
    assert got == [2, 3, 4, 5, 6]
    assert asked == ["c1", "c2", "c3", "c4", "c5"]  # and not one past the last page


def test_an_error_comes_after_the_pages_before_it_and_ends_the_stream() -> None:
    fetch, asked = _feed(last=9, fail_at=4)
    stream = PageStream(fetch, "c1", lambda: False)
    assert stream.get().cursor == "c2"
    assert stream.get().cursor == "c3"
    with pytest.raises(NetworkError) as caught:
        stream.get()
    assert caught.value.detail == "page 4"
    stream.close()
    assert asked == ["c1", "c2", "c3"]  # nothing asked after the failure


def test_a_410_is_handed_on_as_it_came() -> None:
    def fetch(cursor: str) -> ChangePage:
        raise ConflictError("cursor.expired", detail="410")
    stream = PageStream(fetch, "c1", lambda: False)
    with pytest.raises(ConflictError) as caught:
        stream.get()
    assert caught.value.code == "cursor.expired"
    stream.close()


def _until(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_it_runs_at_most_depth_pages_ahead_of_a_slow_reader() -> None:
    fetch, asked = _feed(last=100)
    stream = PageStream(fetch, "c0", lambda: False)
    # While the reader is busy writing a page: DEPTH pages queued, and one more
    # downloaded, waiting for room; and no further.
    _until(lambda: len(asked) == DEPTH + 1)
    time.sleep(0.3)
    assert len(asked) == DEPTH + 1
    stream.get()
    _until(lambda: len(asked) == DEPTH + 2)
    time.sleep(0.3)
    assert len(asked) == DEPTH + 2
    stream.close()


def test_close_waits_for_the_request_under_way_and_nothing_is_asked_after() -> None:
    fetch, asked = _feed(last=100, delay=0.3)
    stream = PageStream(fetch, "c0", lambda: False)
    time.sleep(0.1)  # first request under way
    stream.close()
    count = len(asked)
    time.sleep(0.5)
    assert len(asked) == count == 1
    with pytest.raises(StreamClosed):
        stream.get()


def test_a_stop_request_ends_the_stream_and_a_waiting_reader_is_told() -> None:
    stop = threading.Event()
    fetch, asked = _feed(last=100, delay=0.05)
    stream = PageStream(fetch, "c0", stop.is_set)
    stream.get()
    stop.set()
    with pytest.raises(StreamClosed):
        for _ in range(DEPTH + 2):  # what was already queued, then the end
            stream.get()
    stream.close()
    assert len(asked) <= DEPTH + 3
