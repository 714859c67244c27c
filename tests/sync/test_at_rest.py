"""At rest (issue 13 finding 9): a copied profile folder gives no password verifier to
crack and no details of the person; the verifier costs a memory-hard second per guess;
profiles of the format before migrate and still sign in offline."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from synckit import PASSWORD

from client import auth
from client.errors import AuthError
from client.session import Profile

USER = "zhangjianguo"
# The details the platform has for the demo's county leader.
DETAIL_KEYS = ("password_verifier", "display_name", "unit_id", "roles", "user_id",
               "last_login_at")


@pytest.fixture(autouse=True)
def real_verifier_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the verifier's real cost: not the suite's lowered one."""
    monkeypatch.delenv("GOVDESK_TEST_VERIFIER_N", raising=False)


def _old_verifier(password: str) -> str:
    """A verifier as the client wrote it before: scrypt N = 2**14."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}$" \
           f"{base64.b64encode(digest).decode()}"


def _signed_in(platform) -> Profile:  # noqa: ANN001
    return Profile.login(platform.base_url, USER, PASSWORD)


def test_a_copied_profile_folder_holds_no_verifier_name_unit_or_roles(
        platform_session, tmp_path: Path) -> None:  # noqa: ANN001
    profile = _signed_in(platform_session)
    try:
        info = profile.info
        assert info is not None and info.display_name and info.unit_id and info.roles
        name, unit, roles = info.display_name, info.unit_id, info.roles
        verifier = info.password_verifier
        assert verifier
    finally:
        profile.close()
    copy = tmp_path / "copied"
    shutil.copytree(profile.dir, copy)
    data = json.loads((copy / "profile.json").read_text(encoding="utf-8"))
    assert not set(DETAIL_KEYS) & set(data)
    assert set(data) <= {"format", "server_url", "username", "device_id", "signing_key_id",
                         "enrolled_key_id", "ca_file"}
    # Nor anywhere else in the folder in the clear (the cache and blobs are encrypted).
    salt_b64 = verifier.split("$")[4]
    for path in (p for p in copy.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        for secret in ("scrypt$", salt_b64, name, unit, *roles):
            assert secret.encode() not in raw, f"{secret!r} in {path.name}"
    # What the offline sign-in needs is in the keyring entry of the profile instead.
    account = profile.keystore.get_account()
    assert account is not None and account["password_verifier"] == verifier
    assert account["display_name"] == name and account["roles"] == roles
    offline = Profile.open_offline(platform_session.base_url, USER, PASSWORD)
    try:
        assert offline.info is not None and offline.info.display_name == name
    finally:
        offline.close()


def test_the_verifier_costs_at_least_half_a_second_per_guess() -> None:
    # The cost parameters, not wall time (timings: bench/bench_unlock.py, 0.83 s measured
    # for N = 2**17 here; 2**16 took 0.29 s, so 2**17 is the least that gives >= 0.5 s).
    cost = auth.verifier_cost(auth.new_verifier("Fujin@2005"))
    assert cost is not None
    n, r, p = cost
    assert n >= 2**17 and r >= 8 and p >= 1
    assert 128 * n * r >= 128 * 1024 * 1024  # memory-hard: 128 MiB per guess
    assert auth.check_verifier("Fujin@2005", auth.new_verifier("Fujin@2005"))
    assert not auth.check_verifier("Fujin@2006", auth.new_verifier("Fujin@2005"))
    assert auth.needs_upgrade(_old_verifier("x")) and not auth.needs_upgrade(
        auth.new_verifier("x"))
    # A verifier asking for absurd memory is refused, not attempted.
    assert not auth.check_verifier("x", "scrypt$1073741824$8$1$AAAA$AAAA")


def _make_old_format(profile: Profile) -> str:
    """Rewrite the profile as the client left it before: details and an N = 2**14
    verifier in profile.json, nothing of them in the keyring."""
    assert profile.info is not None
    path = profile.dir / "profile.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("format")
    old = _old_verifier(PASSWORD)
    data.update(user_id=profile.info.user_id, display_name=profile.info.display_name,
                unit_id=profile.info.unit_id, roles=profile.info.roles,
                password_verifier=old, last_login_at=profile.info.last_login_at)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    profile.keystore.delete_account()
    return old


def test_an_old_profile_migrates_and_still_signs_in_offline(platform_session) -> None:  # noqa: ANN001
    profile = _signed_in(platform_session)
    name, user_id = profile.info.display_name, profile.info.user_id
    profile.close()
    old = _make_old_format(profile)
    path = profile.dir / "profile.json"

    # A wrong password offline: refused, but the details have moved all the same.
    with pytest.raises(AuthError) as err:
        Profile.open_offline(platform_session.base_url, USER, "Fujin@2006")
    assert err.value.code == "auth.invalid_credentials"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == auth.PROFILE_FORMAT and not set(DETAIL_KEYS) & set(data)
    assert profile.keystore.get_account()["password_verifier"] == old

    # The right one opens the cache and replaces the verifier with one of today's cost.
    offline = Profile.open_offline(platform_session.base_url, USER, PASSWORD)
    try:
        assert offline.info.display_name == name and offline.user_id == user_id
        assert offline.services is not None
    finally:
        offline.close()
    upgraded = profile.keystore.get_account()["password_verifier"]
    assert upgraded != old and auth.verifier_cost(upgraded) == (
        auth.VERIFIER_N, auth.VERIFIER_R, auth.VERIFIER_P)
    assert "scrypt$" not in path.read_text(encoding="utf-8")
    again = Profile.open_offline(platform_session.base_url, USER, PASSWORD)
    again.close()


def test_an_old_verifier_is_upgraded_online_and_at_unlock(platform_session) -> None:  # noqa: ANN001
    profile = _signed_in(platform_session)
    profile.close()
    _make_old_format(profile)
    online = _signed_in(platform_session)  # migrates on load, new verifier at sign-in
    try:
        assert auth.verifier_cost(online.keystore.get_account()["password_verifier"])[0] \
            == auth.VERIFIER_N
        # The screen lock's check upgrades an old verifier too.
        online.info.password_verifier = _old_verifier(PASSWORD)
        assert not online.check_password("Fujin@2006")
        assert auth.needs_upgrade(online.info.password_verifier)
        assert online.check_password(PASSWORD)
        stored = online.keystore.get_account()["password_verifier"]
        assert not auth.needs_upgrade(stored) and auth.check_verifier(PASSWORD, stored)
    finally:
        online.close()


def test_wiping_the_profile_forgets_the_account_entry(platform_session) -> None:  # noqa: ANN001
    profile = _signed_in(platform_session)
    assert profile.keystore.get_account() is not None
    profile.logout(wipe=True, force=True)
    assert profile.keystore.get_account() is None


def test_no_file_of_a_synced_profile_is_named_by_a_documents_hash(platform_session) -> None:  # noqa: ANN001
    from client import models

    profile = _signed_in(platform_session)
    try:
        profile.sync()  # prefetches the bodies and attachments of my tasks
        with profile.cache_context():
            present = [e.sha256 for e in models.BlobEntry.select()
                       .where(models.BlobEntry.state == "present")]
            known = [e.sha256 for e in models.BlobEntry.select()]
    finally:
        profile.close()
    assert present  # there are blobs on disk to look for
    names = [p.name for p in profile.dir.rglob("*")]
    for sha in known:
        assert not [n for n in names if sha in n]
