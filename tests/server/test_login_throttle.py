"""Issue 13, findings 6 and 17: failed sign-ins slow down and never lock; spraying is
throttled; weak passwords are refused; a disabled account answers the same whatever
the password. Against a real platform subprocess (this process shares its SQLite file
to move failures back in time instead of sleeping).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from server import directory
from server.db import close_database, init_database
from server.embedded import EmbeddedPlatform
from server.errors import Problem
from server.models import LoginFailure
from tests.server.conftest import PASSWORD, make_accounts


@pytest.fixture
def live(tmp_path: Path):
    db = tmp_path / "platform.db"
    init_database(str(db))
    accounts = make_accounts()
    platform = EmbeddedPlatform(db, demo=False)
    platform.start()
    try:
        yield platform, accounts
    finally:
        platform.close()
        close_database()


def _login(base: str, username: str, password: str, device: str = "pc") -> httpx.Response:
    return httpx.post(base + "/api/v1/auth/login", timeout=10, json={
        "username": username, "password": password, "device_id": device})


def _age_failures(seconds: float) -> None:
    """Every recorded failure happened `seconds` earlier (instead of waiting)."""
    for row in LoginFailure.select():
        LoginFailure.update(at=row.at - timedelta(seconds=seconds)).where(
            LoginFailure.id == row.id).execute()


def test_failures_slow_down_but_never_lock(live) -> None:
    platform, _ = live
    base = platform.base_url
    for _ in range(5):
        assert _login(base, "bob", "wrong", "attacker").status_code == 401
    r = _login(base, "bob", PASSWORD, "attacker")
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    # Each further failure doubles the wait; it never exceeds a minute.
    waits = []
    for _ in range(10):
        _age_failures(61)
        assert _login(base, "bob", "wrong", "attacker").status_code == 401
        waits.append(int(_login(base, "bob", "wrong", "attacker").headers["Retry-After"]))
    assert waits == sorted(waits) and waits[-1] == 60 and waits[0] < waits[-1]
    # Once the wait is over the right password works: no lock.
    _age_failures(61)
    assert _login(base, "bob", PASSWORD, "attacker").status_code == 200


def test_a_known_device_is_not_locked_out_by_failures_elsewhere(live) -> None:
    platform, _ = live
    base = platform.base_url
    assert _login(base, "alice", PASSWORD, "mayors-pc").status_code == 200  # signed in before
    for _ in range(12):
        _age_failures(61)
        _login(base, "alice", "wrong", "intruder")
    assert _login(base, "alice", PASSWORD, "intruder").status_code == 429
    # The mayor's own PC signs in at once, right in the middle of the attack.
    assert _login(base, "alice", PASSWORD, "mayors-pc").status_code == 200


def test_spraying_one_password_over_many_accounts_is_throttled(live) -> None:
    platform, _ = live
    base = platform.base_url
    names = [f"nobody{i}" for i in range(12)]
    codes = [_login(base, name, "Spring2005!").status_code for name in names]
    # One failure per account never reaches the per-account threshold, but the address
    # is slowed down once it has failed against many accounts.
    assert codes[:10] == [401] * 10
    assert 429 in codes[10:]
    r = _login(base, "nobody-else", "Spring2005!")
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_disabled_account_answers_the_same_whatever_the_password(live) -> None:
    platform, _ = live
    base = platform.base_url
    right, wrong = _login(base, "carol", PASSWORD), _login(base, "carol", "wrong")
    assert right.status_code == wrong.status_code == 403
    assert right.json()["code"] == wrong.json()["code"] == "auth.account_disabled"


def test_weak_passwords_are_refused_at_creation_and_reset(live) -> None:
    platform, accounts = live
    for weak in ("12345678", "password", "Password1", "abcdefgh", "Admin@123", "short1!"):
        _refused_everywhere(accounts, weak)
    # The old password still works: nothing was changed.
    assert _login(platform.base_url, "bob", PASSWORD).status_code == 200
    # A strong one is accepted.
    directory.set_password(accounts.bob, "Heilongjiang#1019")


def _refused_everywhere(accounts, weak: str) -> None:  # noqa: ANN001
    with pytest.raises(Problem) as refused:
        directory.create_user(f"u{abs(hash(weak)) % 10**6}", weak, "新人",
                              accounts.unit_id, ["staff"])
    assert refused.value.code == "user.weak_password"
    with pytest.raises(Problem) as refused:
        directory.set_password(accounts.bob, weak)
    assert refused.value.code == "user.weak_password"
