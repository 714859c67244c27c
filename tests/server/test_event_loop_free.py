"""No database call runs on the event loop (issue 12): while one request waits on a slow
database, the platform still answers others. Served in process by uvicorn, with the
database calls of the token lookup and the change feed made slow on purpose."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from server import auth, feed
from server.app import create_app
from server.db import close_database, init_database
from tests.server.conftest import PASSWORD, make_accounts

STALL_S = 1.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    url = "sqlite:///" + str(tmp_path / "platform.db")
    init_database(url)
    make_accounts()
    app = create_app(url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        close_database()


def _token(base: str) -> str:
    r = httpx.post(base + "/api/v1/auth/login", json={
        "username": "alice", "password": PASSWORD, "device_id": "loop"}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _stalled_while(base: str, path: str, token: str) -> float:
    """Seconds an unrelated request (the OpenAPI document) took while `path` stalled."""
    slow = threading.Thread(target=lambda: httpx.get(
        base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30))
    slow.start()
    time.sleep(0.3)  # the stalled request is inside its database call now
    started = time.monotonic()
    r = httpx.get(base + "/openapi.json", timeout=30)
    took = time.monotonic() - started
    assert r.status_code == 200
    slow.join()
    return took


@pytest.mark.parametrize("stall", ["token lookup", "change feed"])
def test_a_slow_database_call_does_not_stall_other_requests(
        served: str, stall: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(served)
    httpx.get(served + "/openapi.json", timeout=10)  # built once, outside the timing
    if stall == "token lookup":
        original = auth.principal_for_token

        def slow_lookup(tok: str) -> auth.Principal:
            time.sleep(STALL_S)
            return original(tok)
        monkeypatch.setattr(auth, "principal_for_token", slow_lookup)
    else:
        original_read = feed.read_changes

        def slow_read(*args: object, **kwargs: object) -> bytes:
            time.sleep(STALL_S)
            return original_read(*args, **kwargs)  # type: ignore[arg-type]
        monkeypatch.setattr(feed, "read_changes", slow_read)
    assert _stalled_while(served, "/api/v1/changes", token) < STALL_S / 3
