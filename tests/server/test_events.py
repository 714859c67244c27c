"""Events stream and the platform end to end through a real uvicorn subprocess."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from server import feed
from server.db import close_database, init_database, write_tx
from server.embedded import EmbeddedPlatform
from tests.server.conftest import PASSWORD, make_accounts


@pytest.fixture
def live(tmp_path: Path):
    """A platform subprocess on a SQLite file that this process also writes to."""
    db = tmp_path / "platform.db"
    init_database(str(db))
    accounts = make_accounts()
    platform = EmbeddedPlatform(db, demo=False,
                                env={"GOVDESK_EVENTS_HEARTBEAT": "1", "GOVDESK_EVENTS_POLL": "0.2"})
    platform.start()
    try:
        yield platform, accounts
    finally:
        platform.close()
        close_database()


def signin(base: str, username: str) -> dict:
    r = httpx.post(base + "/api/v1/auth/login", json={
        "username": username, "password": PASSWORD, "device_id": "e2e"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def read_events(response: httpx.Response, out: list, stop: threading.Event) -> None:
    try:
        _read_events(response, out, stop)
    except (httpx.HTTPError, httpx.StreamError):
        if not stop.is_set():  # the test closing the stream under it is the expected end
            raise


def _read_events(response: httpx.Response, out: list, stop: threading.Event) -> None:
    event = {}
    for line in response.iter_lines():
        if stop.is_set():
            return
        if line.startswith(":"):
            out.append(("comment", line))
        elif line.startswith("event:"):
            event["event"] = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            event["data"] = json.loads(line.split(":", 1)[1])
        elif line == "" and event:
            out.append(("event", event))
            event = {}


def wait_for(pred, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_events_stream_announces_changes_visible_to_the_caller(live) -> None:
    platform, accounts = live
    tokens = signin(platform.base_url, "alice")
    received: list = []
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(timeout=httpx.Timeout(10, read=30)) as client, \
            client.stream("GET", platform.base_url + "/api/v1/events", headers=headers) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        reader = threading.Thread(target=read_events, args=(resp, received, stop), daemon=True)
        reader.start()
        events = lambda: [e for kind, e in received if kind == "event"]  # noqa: E731
        assert wait_for(lambda: len(events()) >= 1)
        first = events()[0]
        assert first["event"] == "changes" and first["data"]["seq"] == 1
        # Changes for someone else: no event for alice, and nothing that counts them.
        with write_tx():
            for n in range(5):
                feed.publish("document", f"d-bob-{n}", {"id": f"d-bob-{n}"}, {accounts.bob})
        time.sleep(1.0)
        assert len(events()) == 1
        # A change alice may see: the stream's next event, numbered by the stream, not
        # by the feed's seq, which counts every unit's changes (issue 13, finding 15).
        with write_tx():
            seq = feed.publish("document", "d-alice", {"id": "d-alice"}, {accounts.alice})
        assert wait_for(lambda: len(events()) >= 2)
        assert events()[1]["data"]["seq"] == 2 != seq
        # Heartbeat comments keep idle connections alive (1 s in this test).
        assert wait_for(lambda: any(kind == "comment" for kind, _ in received), 5)
        stop.set()
    reader.join(timeout=10)
    assert not reader.is_alive()


def test_events_need_auth(live) -> None:
    platform, _ = live
    r = httpx.get(platform.base_url + "/api/v1/events", timeout=5)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_round_trip_and_restart_keeps_everything(live) -> None:
    platform, accounts = live
    base = platform.base_url
    tokens = signin(base, "alice")
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Encoding": "gzip"}
    meta = httpx.get(base + "/api/v1/meta", timeout=5).json()
    assert meta["protocol"] == 1 and meta["instance_id"]
    assert meta["server_time"].endswith("+08:00")
    data = b"attachment bytes " * 1000
    h = hashlib.sha256(data).hexdigest()
    assert httpx.put(f"{base}/api/v1/blobs/{h}", content=data, headers=headers,
                     timeout=10).status_code == 201
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    import base64

    from server import enrolment

    key = {"key_id": hashlib.sha256(raw).hexdigest()[:16], "algorithm": "ed25519",
           "public_key": base64.b64encode(raw).decode()}
    code = enrolment.issue_code(accounts.alice, issued_by="test").code
    r = httpx.post(base + "/api/v1/keys/enrol", headers=headers, timeout=10,
                   json={**key, "password": PASSWORD, "enrolment_code": code})
    assert r.status_code == 201, r.text
    the_op = {"op_id": str(uuid.uuid4()), "type": "key.revoke",
              "data": {"key_id": key["key_id"]}}
    r = httpx.post(base + "/api/v1/ops", json={"ops": [the_op]}, headers=headers, timeout=10)
    assert r.json()["results"][0]["status"] == "applied"
    page = httpx.get(base + "/api/v1/changes", headers=headers, timeout=10).json()
    # Killed hard and restarted on the same database: same instance, same answers.
    platform.kill()
    platform.start()
    assert httpx.get(base + "/api/v1/meta", timeout=5).json()["instance_id"] == meta["instance_id"]
    r = httpx.post(base + "/api/v1/ops", json={"ops": [the_op]}, headers=headers, timeout=10)
    assert r.json()["results"][0]["status"] == "duplicate"
    again = httpx.get(base + "/api/v1/changes", headers=headers, timeout=10).json()
    assert again == page
    assert httpx.get(f"{base}/api/v1/blobs/{h}", headers=headers, timeout=10).content == data
