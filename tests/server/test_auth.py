"""Sign-in, token rotation, reuse detection, logout, throttling, expiry (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server import clock, security
from server.models import AuthSession, LoginFailure, UsedRefreshToken
from tests.server.conftest import PASSWORD, Accounts, assert_problem, bearer, login


def test_password_hash_roundtrip_and_format() -> None:
    encoded = security.hash_password("Fujin@2005")
    assert encoded.startswith(f"scrypt${2**14}$8$1$")
    assert security.verify_password("Fujin@2005", encoded)
    assert not security.verify_password("Fujin@2006", encoded)
    assert security.hash_password("Fujin@2005") != encoded  # salted
    for broken in ("", "scrypt$x", "bcrypt$1$2$3$4$5", encoded[:-4] + "!!!!"):
        assert not security.verify_password("Fujin@2005", broken)


def test_login_returns_protocol_shape_and_token_works(app_client, accounts: Accounts) -> None:
    tokens = login(app_client, "alice")
    assert tokens["expires_in"] == int(security.ACCESS_TOKEN_TTL.total_seconds())
    assert tokens["user"] == {"id": accounts.alice, "username": "alice", "display_name": "陈明",
                              "unit_id": accounts.unit_id, "roles": ["staff"], "title": "局长"}
    assert tokens["access_token"] != tokens["refresh_token"]
    assert app_client.get("/api/v1/changes", headers=bearer(tokens)).status_code == 200
    # Only hashes are stored.
    session = AuthSession.get(AuthSession.user == accounts.alice)
    assert session.access_hash == security.token_hash(tokens["access_token"])
    assert tokens["access_token"] not in (session.access_hash, session.refresh_hash)


def test_wrong_password_unknown_user_and_disabled(app_client, accounts: Accounts) -> None:
    body = {"username": "alice", "password": "wrong", "device_id": "d"}
    assert_problem(app_client.post("/api/v1/auth/login", json=body), 401,
                   "auth.invalid_credentials")
    body["username"] = "nobody"
    assert_problem(app_client.post("/api/v1/auth/login", json=body), 401,
                   "auth.invalid_credentials")
    body.update(username="carol", password=PASSWORD)
    assert_problem(app_client.post("/api/v1/auth/login", json=body), 403, "auth.account_disabled")


def test_throttling_after_five_failures(app_client, accounts: Accounts) -> None:
    wrong = {"username": "bob", "password": "wrong", "device_id": "d"}
    for _ in range(5):
        assert_problem(app_client.post("/api/v1/auth/login", json=wrong), 401)
    r = app_client.post("/api/v1/auth/login",
                        json={**wrong, "password": PASSWORD})  # even the right password
    assert_problem(r, 429, "auth.throttled")
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= 60  # a progressive delay, never a lock (issue 13)
    # Another user is not affected.
    login(app_client, "alice")
    # Once the failures leave the window, the user may sign in again.
    LoginFailure.update(at=clock.now() - timedelta(minutes=16)).execute()
    login(app_client, "bob")
    assert LoginFailure.select().where(LoginFailure.username == "bob").count() == 0


def _refresh(app_client, token: dict) -> object:
    return app_client.post("/api/v1/auth/refresh", json={"refresh_token": token["refresh_token"]})


def test_refresh_rotates_and_reuse_revokes_session(app_client, accounts: Accounts) -> None:
    first = login(app_client, "alice")
    r = _refresh(app_client, first)
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["user"]["id"] == accounts.alice
    # The rotated-away access token is dead, the new one works.
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(first)), 401,
                   "auth.unauthenticated")
    assert app_client.get("/api/v1/changes", headers=bearer(second)).status_code == 200
    # Once the successor has been used, the old refresh token is retired: presenting it
    # again is a reuse, and the whole device session is revoked.
    third = _refresh(app_client, second).json()
    r = _refresh(app_client, first)
    assert_problem(r, 401, "auth.refresh_reused")
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(third)), 401,
                   "auth.unauthenticated")
    assert_problem(_refresh(app_client, third), 401, "auth.unauthenticated")
    # Another device of the same user is untouched.
    other = login(app_client, "alice", device_id="dev-2")
    assert app_client.get("/api/v1/changes", headers=bearer(other)).status_code == 200


def test_lost_refresh_answer_then_long_outage_keeps_the_session(app_client,
                                                                accounts: Accounts) -> None:
    """The answer to a refresh is lost, the device stays offline for days: its old token
    still works (its successor was never used), and once a successor is used the old
    token is a reuse again."""
    first = login(app_client, "bob")
    lost = _refresh(app_client, first).json()           # the answer never arrives
    UsedRefreshToken.update(used_at=clock.now() - timedelta(days=3)).execute()
    AuthSession.update(created_at=clock.now() - timedelta(days=3)).execute()
    again = _refresh(app_client, first)
    assert again.status_code == 200, again.text
    third = again.json()
    assert app_client.get("/api/v1/changes", headers=bearer(third)).status_code == 200
    fourth = _refresh(app_client, third).json()
    assert app_client.get("/api/v1/changes", headers=bearer(fourth)).status_code == 200
    # The successor `third` was used: `first` and the never-delivered `lost` are retired.
    assert_problem(_refresh(app_client, lost), 401, "auth.refresh_reused")
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(fourth)), 401)


def test_two_lost_refresh_answers_in_a_row(app_client, accounts: Accounts) -> None:
    first = login(app_client, "bob")
    for _ in range(2):
        assert _refresh(app_client, first).status_code == 200  # both answers lost
    r = _refresh(app_client, first)
    assert r.status_code == 200, r.text
    assert app_client.get("/api/v1/changes", headers=bearer(r.json())).status_code == 200
    assert _refresh(app_client, r.json()).status_code == 200


def test_late_refresh_request_does_not_cost_the_live_session(app_client,
                                                             accounts: Accounts) -> None:
    """A refresh delayed in the network lands after a quicker one went through: the
    token the client holds (from the quicker one) keeps working."""
    first = login(app_client, "bob")
    quick = _refresh(app_client, first).json()         # the client stores this one
    late = _refresh(app_client, first)                  # the delayed request lands
    assert late.status_code == 200, late.text           # (its answer goes nowhere)
    r = _refresh(app_client, quick)
    assert r.status_code == 200, r.text
    assert app_client.get("/api/v1/changes", headers=bearer(r.json())).status_code == 200


def test_expired_access_token_then_refresh(app_client, accounts: Accounts) -> None:
    tokens = login(app_client, "bob")
    AuthSession.update(access_expires_at=clock.now() - timedelta(seconds=1)).execute()
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(tokens)), 401,
                   "auth.token_expired")
    r = app_client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200
    assert app_client.get("/api/v1/changes", headers=bearer(r.json())).status_code == 200


def test_expired_refresh_token(app_client, accounts: Accounts) -> None:
    tokens = login(app_client, "bob")
    AuthSession.update(refresh_expires_at=clock.now() - timedelta(seconds=1)).execute()
    r = app_client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(r, 401, "auth.refresh_expired")


def test_logout_revokes_device_tokens(app_client, accounts: Accounts) -> None:
    tokens = login(app_client, "alice")
    r = app_client.post("/api/v1/auth/logout", headers=bearer(tokens))
    assert r.status_code == 204
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(tokens)), 401)
    r = app_client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(r, 401, "auth.unauthenticated")
    assert_problem(app_client.post("/api/v1/auth/logout", headers=bearer(tokens)), 401)
    # With an expired access token, the refresh token in the body still logs out.
    tokens = login(app_client, "alice")
    AuthSession.update(access_expires_at=clock.now() - timedelta(seconds=1)).execute()
    r = app_client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    r = app_client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(r, 401)


def test_relogin_on_same_device_replaces_session(app_client, accounts: Accounts) -> None:
    first = login(app_client, "alice", device_id="pc")
    second = login(app_client, "alice", device_id="pc")
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(first)), 401)
    assert app_client.get("/api/v1/changes", headers=bearer(second)).status_code == 200


def test_deactivation_ends_sessions(app_client, accounts: Accounts) -> None:
    from server import directory

    tokens = login(app_client, "bob")
    directory.deactivate_user(accounts.bob)
    assert_problem(app_client.get("/api/v1/changes", headers=bearer(tokens)), 401)
    r = app_client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(r, 401)


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic YWxpY2U6eA=="},
    {"Authorization": "Bearer " + "x" * 5000},
])
def test_missing_or_bad_bearer(app_client, accounts: Accounts, headers: dict) -> None:
    assert_problem(app_client.get("/api/v1/changes", headers=headers), 401,
                   "auth.unauthenticated")
