"""`govdesk diagnose`: the support bundle holds what IT needs (versions, config with
sources, self-test, connectivity, sync counts, log tails) and no secret or document."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from client import db as cache_db
from client import diagnose, models, paths
from client.errors import StorageError
from client.keystore import Keystore
from server.embedded import EmbeddedPlatform
from tests.packaging.conftest import MemoryKeyring

SECRET_TITLE = "关于砚山镇防汛物资调拨的紧急通知（诊断包不得含此标题）"
SECRET_OPINION = "同意，请财政局三日内拨付（诊断包不得含此意见）"
BEARER = "eyJhbGciOiJFZERTQSJ9.c2VjcmV0LXRva2Vu.c2ln"
PROXY_PASSWORD = "Px-Fujin-2005"


def _make_profile(server_url: str, username: str) -> tuple[Path, bytes]:
    """A real encrypted cache with queued, conflicting and done work."""
    profile = paths.profile_dir(server_url, username)
    key = Keystore(profile.name).get_or_create_cache_key()
    db = cache_db.open_cache(paths.cache_path(profile), key)
    try:
        models.Document.create(id="doc-1", version=1, data={"title": SECRET_TITLE},
                               title=SECRET_TITLE, body_text=SECRET_TITLE)
        for i, state in enumerate(["queued", "queued", "conflict", "done"]):
            models.OutboxOp.create(op_id=f"op-{i}", type="signoff", state=state,
                                   data={"text": SECRET_OPINION})
        models.LocalOpinion.create(op_id="op-2", task_id="t1", document_id="doc-1",
                                   author_id="u1", decision="approve", text=SECRET_OPINION,
                                   signed_at="2005-10-19T08:00:00Z", signature={"v": "x"},
                                   document_digest="d", state="conflict")
        models.Task.create(id="t1", version=1, data={}, document_id="doc-1",
                           assignee_id="u1", kind="instruct", status="pending",
                           local_state="conflict")
        state = models.sync_state()
        state.cursor, state.last_success_at, state.instance_id = "c-42", time.time() - 60, "i1"
        state.save()
    finally:
        cache_db.close_cache(db)
    blobs = paths.blobs_dir(profile)
    blobs.mkdir(parents=True)
    (blobs / "ab12").write_bytes(b"%PDF-1.4 attachment bytes")
    return profile, key


def _write_log() -> None:
    log_dir = paths.log_dir()
    log_dir.mkdir(parents=True)
    lines = [f"2005-10-19 08:00:{i:02d} INFO client.sync: pulled page {i}" for i in range(600)]
    lines.append(f"2005-10-19 08:10:00 DEBUG client.sync.api: Authorization: Bearer {BEARER}")
    lines.append('2005-10-19 08:10:01 DEBUG x: {"refresh_token": "rt-secret-value"}')
    (log_dir / "govdesk.log").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _read_zip(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name).decode("utf-8") for name in zf.namelist()}


def test_bundle_has_what_it_needs_and_no_secret(
        platform_session: EmbeddedPlatform, memory_keyring: MemoryKeyring,
        config_files: dict[str, Path], tmp_path: Path) -> None:
    server = platform_session.base_url
    config_files["machine"].write_text(
        f'server_url = "{server}"\nsync_interval_seconds = 90\n', encoding="utf-8")
    config_files["user"].parent.mkdir(parents=True)
    config_files["user"].write_text(
        f'proxy = "http://zhouqiang:{PROXY_PASSWORD}@127.0.0.1:3128"\n', encoding="utf-8")
    _profile, key = _make_profile(server, "zhangjianguo")
    _write_log()

    out = diagnose.build_bundle(tmp_path / "support.zip")
    members = _read_zip(out)
    assert {"README.txt", "versions.json", "config.json", "selftest.txt", "selftest.json",
            "connectivity.json", "sync_state.json", "logs/govdesk.log"} <= set(members)

    everything = "\n".join(members.values())
    for secret in (SECRET_TITLE, SECRET_OPINION, BEARER, "rt-secret-value", PROXY_PASSWORD,
                   key.hex()):
        assert secret not in everything

    versions = json.loads(members["versions.json"])
    assert versions["govdesk"] and versions["packages"]["sqlcipher3"]

    config = json.loads(members["config.json"])
    settings = {row["key"]: row for row in config["settings"]}
    assert settings["sync_interval_seconds"]["value"] == 90
    assert settings["sync_interval_seconds"]["source"].startswith("machine:")
    assert settings["proxy"]["value"] == "http://***@127.0.0.1:3128"
    assert settings["proxy"]["source"].startswith("user:")
    assert config["files"]["machine"]["exists"] is True

    sync = json.loads(members["sync_state.json"])["profiles"]
    assert len(sync) == 1
    state = sync[0]
    assert state["profile"] == paths.profile_key(server, "zhangjianguo")
    assert state["sync"]["cursor_present"] is True and state["sync"]["last_success_at"]
    assert state["outbox"] == {"queued": 2, "conflict": 1, "done": 1}
    assert state["pending_ops"] == 2 and state["conflicting_ops"] == 1
    assert state["local_opinions"] == {"conflict": 1}
    assert state["tasks_local_state"] == {"conflict": 1}
    assert state["blobs"] == {"files": 1, "bytes": len(b"%PDF-1.4 attachment bytes")}
    assert state["schema_version"] >= 1

    log = members["logs/govdesk.log"]
    assert len(log.splitlines()) == diagnose.LOG_LINES
    assert "Bearer ***" in log and '"refresh_token": ***' in log

    # The platform answers directly, but the configured proxy (nothing listens there) does
    # not: the steps show IT exactly that.
    connectivity = json.loads(members["connectivity.json"])
    assert connectivity["dns"]["ok"] and connectivity["tcp"]["ok"]
    assert connectivity["meta"]["code"] == "network.proxy_refused"  # its own message
    assert connectivity["proxy_source"] == "settings"
    assert connectivity["proxy"] == "http://***@127.0.0.1:3128"
    assert "[FAIL] platform" in members["selftest.txt"] and "[ OK ] cache" in members[
        "selftest.txt"]


def test_profile_without_its_key_is_reported_not_fatal(
        memory_keyring: MemoryKeyring, config_files: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    profile, _key = _make_profile("http://127.0.0.1:1", "wangli")
    Keystore(profile.name).delete_cache_key()  # signed out with "wipe" elsewhere
    (profile.parent / "broken").mkdir()  # a profile folder without a cache
    assert diagnose.main(["--out", str(tmp_path / "d.zip"), "--no-network"]) == 0
    assert "d.zip" in capsys.readouterr().out
    members = _read_zip(tmp_path / "d.zip")
    assert "connectivity.json" not in members
    assert "platform" not in members["selftest.txt"].split("\n", 1)[1]
    state = json.loads(members["sync_state.json"])["profiles"]
    assert {p["profile"] for p in state} == {"broken", profile.name}
    wangli = next(p for p in state if p["profile"] == profile.name)
    assert "缓存密钥" in wangli["error"] and wangli["cache"]["exists"] is True


def test_a_wrong_key_is_a_reported_error(memory_keyring: MemoryKeyring,
                                         config_files: dict[str, Path]) -> None:
    profile, key = _make_profile("http://127.0.0.1:1", "chenming")
    memory_keyring.set_password("GovDesk", f"{profile.name}/cache_key", "00" * len(key))
    state = diagnose.profile_state(profile)
    assert "cache.unreadable" in state["error"]
    assert "outbox" not in state


def test_unwritable_destination_fails_cleanly(memory_keyring: MemoryKeyring,
                                              config_files: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StorageError) as err:
        diagnose.build_bundle(blocker / "d.zip", network=False)
    assert err.value.code == "diagnose.write_failed"
    assert diagnose.main(["--out", str(blocker / "d.zip"), "--no-network"]) == 1
    assert "无法写入诊断包" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize(("value", "expected"), [
    ("http://user:pw@proxy:3128", "http://***@proxy:3128"),
    ("https://oa.example.gov.cn", "https://oa.example.gov.cn"),
    ("socks5://a:b@[::1]:1080/x", "socks5://***@::1:1080/x"),
])
def test_redact_url(value: str, expected: str) -> None:
    assert diagnose.redact_url(value) == expected


def test_broken_config_still_yields_a_bundle(memory_keyring: MemoryKeyring,
                                            config_files: dict[str, Path],
                                            tmp_path: Path) -> None:
    config_files["machine"].write_text("auto_lock_minutes = 'soon'\n", encoding="utf-8")
    members = _read_zip(diagnose.build_bundle(tmp_path / "d.zip", network=False))
    config = json.loads(members["config.json"])
    assert config["error"]["code"] == "config.invalid_value" and "settings" not in config
