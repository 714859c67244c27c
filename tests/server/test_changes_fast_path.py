"""Issue 14: well-formed polls skip FastAPI's layers (server/api/changes.py
`ChangesFastPath`), and answer byte for byte what the route answers. A request with an
extra, ignored parameter goes the long way: the two are compared (both backends)."""

from __future__ import annotations

import base64
from datetime import timedelta
from unittest import mock

import pytest

from server import auth, clock, directory, feed
from server.api import changes
from server.db import write_tx
from server.models import EVERYONE, AuthSession
from tests.server.conftest import Accounts, bearer, login


def _both_ways(client, params: dict, headers: dict) -> tuple:  # type: ignore[no-untyped-def]
    """(fast answer, long-way answer) of one poll, each as (status, type, body, headers)."""
    calls = []
    real = changes._poll

    def counted(*args):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args)

    with mock.patch.object(changes, "_poll", counted):
        fast = client.get("/api/v1/changes", params=params, headers=headers)
        took_fast = len(calls)
        slow = client.get("/api/v1/changes", params={**params, "x": "1"}, headers=headers)
        assert len(calls) == took_fast, "a request with an unknown parameter went the fast way"
    assert took_fast == 1, "a well-formed poll went the long way"
    return tuple((r.status_code, r.headers["content-type"], r.content,
                  r.headers.get("www-authenticate")) for r in (fast, slow))


def test_the_fast_poll_answers_as_the_route_does(app_client, accounts: Accounts) -> None:
    tokens = login(app_client, "alice")
    headers = bearer(tokens)
    with write_tx():
        feed.publish("thing", "one", {"n": 1}, EVERYONE)
        feed.publish("thing", "two", {"n": 2}, accounts.alice)
    fast, slow = _both_ways(app_client, {"limit": 2}, headers)
    assert fast == slow and fast[0] == 200
    page = app_client.get("/api/v1/changes", params={"limit": 2}, headers=headers).json()
    # From a cursor, with nothing new: the same cursor back, on both paths.
    cursor = page["cursor"]
    while True:
        nxt = app_client.get("/api/v1/changes", params={"cursor": cursor},
                             headers=headers).json()
        cursor = nxt["cursor"]
        if not nxt["has_more"]:
            break
    fast, slow = _both_ways(app_client, {"cursor": cursor}, headers)
    assert fast == slow and fast[0] == 200 and b'"changes":[]' in fast[2]

    # The problem documents: a made-up or diverged cursor, an unknown token.
    bogus = base64.urlsafe_b64encode(b"x:0:1::0").decode().rstrip("=")
    for params in ({"cursor": "!!"}, {"cursor": bogus}):
        fast, slow = _both_ways(app_client, params, headers)
        assert fast == slow and fast[0] in (400, 410), fast
    fast, slow = _both_ways(app_client, {}, {"Authorization": "Bearer nonsense"})
    assert fast == slow and fast[0] == 401


def test_expired_revoked_and_disabled_answer_as_the_route_does(app_client,
                                                               accounts: Accounts) -> None:
    alice = login(app_client, "alice")
    bob = login(app_client, "bob", device_id="dev-2")
    with write_tx():
        AuthSession.update(access_expires_at=clock.now() - timedelta(seconds=1)).where(
            AuthSession.access_hash == auth.security.token_hash(alice["access_token"])
        ).execute()
    fast, slow = _both_ways(app_client, {}, bearer(alice))
    assert fast == slow and fast[0] == 401 and b"auth.token_expired" in fast[2]
    assert fast[3] == "Bearer"
    directory.deactivate_user(accounts.bob)
    fast, slow = _both_ways(app_client, {}, bearer(bob))
    assert fast == slow and fast[0] in (401, 403), fast


@pytest.mark.parametrize("params,headers", [
    ({}, {}),  # no token: FastAPI's own 401
    ({"limit": "0"}, None),  # out of range: FastAPI's 422
    ({"limit": "abc"}, None),
    ({"cursor": "c" * 201}, None),
])
def test_unusual_polls_go_the_long_way(app_client, accounts: Accounts, params: dict,
                                       headers: dict | None) -> None:
    tokens = login(app_client, "alice")
    with mock.patch.object(changes, "_poll", side_effect=AssertionError("fast path")):
        r = app_client.get("/api/v1/changes", params=params,
                           headers=bearer(tokens) if headers is None else headers)
    assert r.status_code in (401, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_database_error_is_answered_by_the_app(app_client, accounts: Accounts) -> None:
    """Not a problem document: the request goes the long way, whose handlers say 503."""
    from peewee import OperationalError

    tokens = login(app_client, "alice")
    with mock.patch.object(feed, "read_changes", side_effect=OperationalError("down")):
        r = app_client.get("/api/v1/changes", headers=bearer(tokens))
    assert r.status_code == 503, r.text
