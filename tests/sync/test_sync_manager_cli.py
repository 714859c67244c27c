"""The background manager (online/offline, event hints) and the command line."""

from __future__ import annotations

import threading
import time

from synckit import PASSWORD, login, raw_session, register_document, run_cli, use_home

from client import models, paths
from client.session import Profile
from client.sync.manager import State, SyncManager


def _wait(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_manager_goes_offline_probes_and_syncs_on_return_and_on_events(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    events: list[str] = []
    seen = threading.Event()

    def listener(event) -> None:
        events.append(f"{event.kind}:{event.state.value}")
        if event.kind == "synced":
            seen.set()

    manager = SyncManager(profile.engine, interval=600, probe_min=0.2, probe_max=1.0)
    manager.add_listener(listener)
    try:
        manager.start()
        # An event hint may start another pull right after the first: wait for quiet.
        assert seen.wait(20) and _wait(lambda: manager.state == State.ONLINE), events

        # An event-stream hint pulls a new document at once (the interval is 10 minutes).
        seen.clear()
        doc_id = register_document(platform, raw_session(platform, "wangli"),
                                   ["u-zhangjianguo"], title="关于春耕备耕工作的紧急通知")
        assert _wait(lambda: models.Document.get_or_none(models.Document.id == doc_id)
                     is not None), events

        platform.stop()
        manager.sync_now()
        assert _wait(lambda: manager.state == State.OFFLINE), events
        seen.clear()
        platform.start()
        assert seen.wait(20), events  # a probe found it back and synced at once
        assert _wait(lambda: manager.state == State.ONLINE), events
        assert manager.counters.probes >= 1
        assert "state:offline" in events and events[-1] == "synced:online"
    finally:
        manager.stop()
        profile.close()
    assert manager.state == State.STOPPED


def test_cli_login_sync_status_verify_logout(fresh_platform, monkeypatch, tmp_path) -> None:
    platform = fresh_platform
    env = {"GOVDESK_PASSWORD": PASSWORD}
    bad = run_cli("login", "--server", platform.base_url, "--user", "zhangjianguo",
                  env={"GOVDESK_PASSWORD": "wrong"})
    assert bad.returncode == 3 and "用户名或密码错误" in bad.stderr
    assert run_cli("sync").returncode == 3  # nobody signed in yet
    assert run_cli("frobnicate").returncode == 2

    ok = run_cli("login", "--server", platform.base_url, "--user", "zhangjianguo", "--sync",
                 env=env)
    assert ok.returncode == 0, ok.stderr
    assert "张建国" in ok.stdout and "同步完成" in ok.stdout

    status = run_cli("status")
    assert status.returncode == 0 and "待办" in status.stdout and "未读通知" in status.stdout
    english = run_cli("status", env={"LANG": "en_US.UTF-8"})
    assert "To do" in english.stdout and "Pending ops" in english.stdout

    # Verify a document that has opinions signed by the demo county's officials.
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    doc_id = models.Opinion.select(models.Opinion.document_id).first().document_id
    profile.close()
    verify = run_cli("verify", doc_id)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "签名有效" in verify.stdout

    platform.stop()
    offline = run_cli("sync")
    assert offline.returncode == 4 and "无法连接到平台" in offline.stderr
    platform.start()

    out = run_cli("logout", "--wipe")
    assert out.returncode == 0, out.stderr
    assert not paths.profile_dir(platform.base_url, "zhangjianguo").exists()
    assert run_cli("status").returncode == 3
    use_home(monkeypatch, tmp_path / "elsewhere")  # the fixture's home stays untouched
