"""EmbeddedPlatform with the demo county, and bad input of every kind against the real
server: always a 4xx problem document, never a 500."""

from __future__ import annotations

import socket

import httpx
import pytest

from server.embedded import EmbeddedPlatform


def problem(r: httpx.Response, status: int | tuple[int, ...]) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == r.status_code and body["code"] and body["title"]
    return body


def test_demo_platforms_are_independent(platform: EmbeddedPlatform) -> None:
    names = {a["username"] for a in platform.accounts}
    assert {"admin", "wangli", "zhangjianguo", "sunhaitao"} <= names
    acc = platform.account("zhangjianguo")
    r = httpx.post(platform.base_url + "/api/v1/auth/login", json={
        "username": "zhangjianguo", "password": acc["password"], "device_id": "t"}, timeout=10)
    assert r.status_code == 200 and r.json()["user"]["display_name"] == "张建国"
    first = httpx.get(platform.base_url + "/api/v1/meta", timeout=5).json()["instance_id"]
    with EmbeddedPlatform(demo=True) as other:
        assert other.base_url != platform.base_url
        assert httpx.get(other.base_url + "/api/v1/meta", timeout=5).json()["instance_id"] != first
    platform.stop()
    assert not platform.running
    platform.start()
    assert httpx.get(platform.base_url + "/api/v1/meta", timeout=5).json()["instance_id"] == first


@pytest.fixture(scope="module")
def served():
    with EmbeddedPlatform(demo=True) as running:
        acc = running.account("wangli")
        r = httpx.post(running.base_url + "/api/v1/auth/login", json={
            "username": "wangli", "password": acc["password"], "device_id": "bad"}, timeout=10)
        yield running.base_url, {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_bad_input_is_a_4xx_problem(served) -> None:
    base, auth = served
    c = httpx.Client(base_url=base, timeout=10)
    json_h = {"Content-Type": "application/json"}
    problem(c.post("/api/v1/auth/login", content=b"{not json", headers=json_h), 400)
    problem(c.post("/api/v1/auth/login", content=b"\xff\xfe\x00", headers=json_h), (400, 422))
    problem(c.post("/api/v1/auth/login", json={"username": 1, "password": None}), 422)
    problem(c.post("/api/v1/auth/login", json={"username": "a" * 10_000, "password": "x",
                                               "device_id": "d"}), 422)
    problem(c.post("/api/v1/auth/login", json=[1, 2]), 422)
    problem(c.post("/api/v1/auth/refresh", json={"refresh_token": ""}), 422)
    problem(c.post("/api/v1/auth/refresh", json={"refresh_token": "nope"}), 401)
    problem(c.post("/api/v1/ops", content=b"{", headers={**auth, **json_h}), 400)
    problem(c.post("/api/v1/ops", json={"ops": [{"op_id": "x", "type": "t", "data": 5}]},
                   headers=auth), 422)
    big = b'{"ops": [' + b'{"op_id":"x","type":"t","data":{}},' * 300_000 + b"]}"
    problem(c.post("/api/v1/ops", content=big, headers={**auth, **json_h}), 413)
    problem(c.get("/api/v1/changes", params={"cursor": "%%%"}, headers=auth), 400)
    problem(c.get("/api/v1/changes", params={"limit": "many"}, headers=auth), 422)
    problem(c.get("/api/v1/blobs/xyz", headers=auth), 422)
    problem(c.put("/api/v1/blobs/" + "0" * 64, content=b"x", headers=auth), 400)
    problem(c.get("/api/v1/nowhere"), 404)
    problem(c.delete("/api/v1/meta"), 405)
    problem(c.get("/api/v1/changes", headers={"Authorization": "Bearer été".encode()}), 401)


def test_truncated_request_does_not_break_the_server(served) -> None:
    """A client that dies mid-body leaves the server answering the next request."""
    base, auth = served
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"POST /api/v1/ops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"ops\": [")
    assert httpx.get(base + "/api/v1/meta", timeout=5).status_code == 200


def test_platform_ends_when_the_process_that_started_it_is_killed(tmp_path) -> None:
    """A demo client killed outright must not leave its platform running."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import sys, time\n"
        "from server.embedded import EmbeddedPlatform\n"
        f"p = EmbeddedPlatform({str(tmp_path / 'p.db')!r}, demo=False)\n"
        "p.start()\n"
        "print(p._proc.pid, p.base_url, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child_pid, base_url = parent.stdout.readline().split()
        assert httpx.get(f"{base_url}/api/v1/meta", timeout=10).status_code == 200
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(int(child_pid), 0)
            except ProcessLookupError:
                break
            # A zombie until its new parent reaps it: count that as gone too.
            try:
                with open(f"/proc/{child_pid}/stat") as f:
                    if f.read().split(") ", 1)[1].startswith("Z"):
                        break
            except FileNotFoundError:
                break
            time.sleep(0.2)
        else:
            os.kill(int(child_pid), signal.SIGKILL)
            raise AssertionError("the platform outlived the process that started it")
    finally:
        if parent.poll() is None:
            parent.kill()
