"""No token, password or key material is ever written under the data directory."""

from __future__ import annotations

import base64
from pathlib import Path

from synckit import PASSWORD, login, now, pending_tasks, run_cli, sign

from client import paths
from client.session import Profile


def _forms(secret: bytes) -> list[bytes]:
    return [secret, secret.hex().encode(), base64.b64encode(secret),
            base64.urlsafe_b64encode(secret).rstrip(b"=")]


def test_no_secret_in_any_file_under_the_data_directory(fresh_platform, isolated_home) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    secrets: dict[str, list[bytes]] = {"password": [PASSWORD.encode()]}
    try:
        sign(profile, pending_tasks(profile)[0], "同意。")
        profile.sync()
        secrets["access token"] = [profile.api._access_token.encode()]
        secrets["cache key"] = _forms(profile.keystore.get_cache_key())
        keypair = profile.keystore.get_signing_key(profile.info.device_id)
        secrets["signing key"] = _forms(keypair.private_bytes)
        first_refresh = profile.keystore.get_refresh_token()
    finally:
        profile.close()
    # A command-line sync while the kept access token is valid: no refresh, no rotation.
    assert run_cli("sync").returncode == 0
    keystore = profile.keystore
    assert keystore.get_refresh_token() == first_refresh
    # Once it has lapsed, a command-line sync refreshes (rotates) the token and logs to
    # the log file.
    kept = keystore.get_access_token()
    assert kept is not None
    keystore.set_access_token(kept[0], 0.0)
    assert run_cli("sync").returncode == 0
    assert run_cli("status").returncode == 0
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    secrets["refresh tokens"] = [first_refresh.encode(),
                                 profile.keystore.get_refresh_token().encode()]
    profile.close()
    assert secrets["refresh tokens"][0] != secrets["refresh tokens"][1]

    files = [p for p in Path(isolated_home).rglob("*") if p.is_file()]
    assert any(p.name == "govdesk.log" for p in files)
    assert any(p.parent == paths.data_root() / "profiles" / p.parent.name for p in files)
    for path in files:
        data = path.read_bytes()
        for what, forms in secrets.items():
            for form in forms:
                assert form not in data, f"{what} found in {path}"
    # The offline-login verifier is there, and it is not the password.
    assert Profile.open_offline(platform.base_url, "zhangjianguo", PASSWORD).close() is None
    assert now()
