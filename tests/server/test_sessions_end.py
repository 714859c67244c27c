"""Issue 13, High 4 and Low 13: sessions end, and their event streams with them.

Against a real platform subprocess on a SQLite file this process also writes to: an
administrator's password reset, a deactivation and a unit move end every session of
the user (access and refresh tokens dead, open event streams closed within seconds);
sessions have an absolute lifetime however often they are refreshed; one user holds
only a few event streams at a time.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from server import directory, moves
from server.db import close_database, init_database
from server.embedded import EmbeddedPlatform
from server.models import AuditEvent, Unit
from tests.server.conftest import PASSWORD, make_accounts

ENV = {"GOVDESK_EVENTS_HEARTBEAT": "1", "GOVDESK_EVENTS_POLL": "0.2",
       "GOVDESK_EVENTS_SESSION_CHECK": "0.5", "GOVDESK_EVENTS_PER_USER": "3"}
SHORT_LIVED = {"GOVDESK_SESSION_MAX_AGE": "4", "GOVDESK_ACCESS_TTL": "2"}


@pytest.fixture
def live(tmp_path: Path, request: pytest.FixtureRequest):
    db = tmp_path / "platform.db"
    init_database(str(db))
    accounts = make_accounts()
    extra = SHORT_LIVED if request.node.get_closest_marker("short_lived") else {}
    platform = EmbeddedPlatform(db, demo=False, env={**ENV, **extra})
    platform.start()
    try:
        yield platform, accounts
    finally:
        platform.close()
        close_database()


def signin(base: str, username: str, device: str = "pc") -> dict:
    r = httpx.post(base + "/api/v1/auth/login", timeout=10, json={
        "username": username, "password": PASSWORD, "device_id": device})
    assert r.status_code == 200, r.text
    return r.json()


class Stream:
    """An open /events stream read on a thread; `ended` once the platform closed it."""

    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=30))
        self.ended = threading.Event()
        self.status: int | None = None
        self._thread = threading.Thread(target=self._read, args=(base, token), daemon=True)
        self._thread.start()

    def _read(self, base: str, token: str) -> None:
        try:
            with self.client.stream("GET", base + "/api/v1/events",
                                    headers={"Authorization": f"Bearer {token}"}) as resp:
                self.status = resp.status_code
                for _ in resp.iter_lines():
                    pass
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    def close(self) -> None:
        self.client.close()


def _alive(base: str, tokens: dict) -> tuple[int, int]:
    """(GET /changes with the access token, POST /refresh with the refresh token)."""
    a = httpx.get(base + "/api/v1/changes", timeout=10,
                  headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
    r = httpx.post(base + "/api/v1/auth/refresh", timeout=10,
                   json={"refresh_token": tokens["refresh_token"]}).status_code
    return a, r


@pytest.mark.parametrize("how", ["password reset", "deactivation", "unit move"])
def test_admin_action_ends_every_session_and_stream(live, how: str) -> None:
    platform, accounts = live
    base = platform.base_url
    stolen = signin(base, "alice", "thief-pc")
    own = signin(base, "alice", "own-pc")
    stream = Stream(base, stolen["access_token"])
    time.sleep(1.0)
    assert not stream.ended.is_set() and stream.status == 200
    if how == "password reset":
        directory.set_password(accounts.alice, "Neu#20051019", actor_id=accounts.bob)
    elif how == "deactivation":
        directory.deactivate_user(accounts.alice, actor_id=accounts.bob)
    else:
        other = directory.create_unit("市财政局", "bureau")
        moves.move_user(accounts.alice, other.id, actor_id=accounts.bob)
    try:
        assert stream.ended.wait(5), "the event stream outlived the session"
        for tokens in (stolen, own):
            access, refresh = _alive(base, tokens)
            assert access in (401, 403) and refresh in (401, 403), (access, refresh)
        action = {"password reset": "user.password_reset", "deactivation": "user.deactivated",
                  "unit move": "user.moved"}[how]
        event = AuditEvent.get((AuditEvent.action == action)
                               & (AuditEvent.subject_id == accounts.alice))
        assert event.subject_id == accounts.alice and event.actor_id == accounts.bob
        assert event.detail["sessions_revoked"] == 2
    finally:
        stream.close()


@pytest.mark.short_lived
def test_sessions_have_an_absolute_lifetime(live) -> None:
    platform, _ = live
    base = platform.base_url
    tokens = signin(base, "alice")
    # Refreshing keeps it going only up to the absolute lifetime (4 s here).
    deadline = time.monotonic() + 12
    refused = None
    while time.monotonic() < deadline:
        r = httpx.post(base + "/api/v1/auth/refresh", timeout=10,
                       json={"refresh_token": tokens["refresh_token"]})
        if r.status_code != 200:
            refused = r
            break
        tokens = r.json()
        assert tokens["expires_in"] <= 2
        time.sleep(0.7)
    assert refused is not None, "refreshing kept the session alive past its lifetime"
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.refresh_expired"


def test_one_user_holds_a_few_streams_at_most(live) -> None:
    platform, _ = live
    base = platform.base_url
    tokens = [signin(base, "alice", f"pc-{i}")["access_token"] for i in range(5)]
    streams = []
    try:
        for token in tokens:
            streams.append(Stream(base, token))
            time.sleep(0.3)
        # The cap is 3: the two oldest were ended, the newest three stay open.
        assert streams[0].ended.wait(5) and streams[1].ended.wait(5)
        time.sleep(1.0)
        assert [s.ended.is_set() for s in streams[2:]] == [False, False, False]
        # Another user is not affected by alice's streams.
        bob = Stream(base, signin(base, "bob")["access_token"])
        streams.append(bob)
        time.sleep(1.0)
        assert not bob.ended.is_set() and not streams[2].ended.is_set()
    finally:
        for s in streams:
            s.close()


def test_logout_ends_the_stream(live) -> None:
    platform, _ = live
    base = platform.base_url
    tokens = signin(base, "bob")
    stream = Stream(base, tokens["access_token"])
    try:
        time.sleep(1.0)
        r = httpx.post(base + "/api/v1/auth/logout", timeout=10,
                       headers={"Authorization": f"Bearer {tokens['access_token']}"}, json={})
        assert r.status_code == 204
        assert stream.ended.wait(5)
    finally:
        stream.close()


def test_unit_move_by_cli(live, tmp_path: Path) -> None:
    import subprocess
    import sys

    platform, accounts = live
    other = directory.create_unit("长安镇", "town")
    proc = subprocess.run([sys.executable, "-m", "server", "move-user", "--db", platform.db_url,
                           "--user", "alice", "--unit", "长安镇"], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    assert Unit.get_by_id(other.id) is not None
    from server.models import User

    assert User.get_by_id(accounts.alice).unit_id == other.id
