"""410 cursor.expired and a changed instance_id: full re-sync that keeps unsent work."""

from __future__ import annotations

from synckit import (
    cache_versions,
    login,
    pending_tasks,
    platform_db,
    platform_view,
    raw_session,
    register_document,
    sign,
    versions,
)

from client import models
from client.services import outbox
from client.session import Profile
from client.sync.engine import SyncReport


def _bogus_unit() -> None:
    """An object the platform no longer has: the re-sync's sweep must remove it."""
    models.Unit.insert(id="gone-unit", name="已撤销的单位", parent_id=None, kind="office",
                       version=1, data={"id": "gone-unit"}).execute()


def _pull_only(profile: Profile) -> SyncReport:
    report = SyncReport()
    profile.engine.pull(report, lambda p: None)
    return report


def test_expired_cursor_resyncs_and_keeps_unsent_ops(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    try:
        task = pending_tasks(profile)[0]
        op_id = sign(profile, task, "同意，请办理。")
        _bogus_unit()
        # Retention passed: cursors up to now expire; then the platform moves on.
        with platform_db(platform) as conn:
            conn.execute("UPDATE meta SET min_cursor_seq = seq + 1 WHERE id = 1")
        register_document(platform, raw_session(platform, "wangli"), ["u-zhangjianguo"],
                          title="关于做好冬季供暖工作的通知")
        report = _pull_only(profile)
        assert report.full_resync == "cursor_expired"
        assert report.swept.get("unit") == 1
        assert models.Unit.get_or_none(models.Unit.id == "gone-unit") is None
        assert cache_versions() == versions(platform_view(platform, "zhangjianguo"))
        # The sign-off made before is still waiting, and still shown as done here.
        assert outbox.get(op_id).state == "queued"
        assert models.Task.get_by_id(task.id).local_state == "pending_sync"
        assert profile.sync().pushed == {"applied": 1}
        assert models.Task.get_by_id(task.id).status == "done"
    finally:
        profile.close()


def test_changed_instance_id_resyncs_and_keeps_unsent_ops(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    task = pending_tasks(profile)[0]
    op_id = sign(profile, task, "同意。")
    _bogus_unit()
    profile.close()
    platform.stop()  # restored from a backup: a new instance id
    with platform_db(platform) as conn:
        conn.execute("UPDATE meta SET instance_id = 'restored-from-backup' WHERE id = 1")
    platform.start()
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        report = _pull_only(profile)
        assert report.full_resync == "instance_changed"
        assert models.sync_state().instance_id == "restored-from-backup"
        assert models.Unit.get_or_none(models.Unit.id == "gone-unit") is None
        assert cache_versions() == versions(platform_view(platform, "zhangjianguo"))
        assert outbox.get(op_id).state == "queued"
        assert profile.sync().pushed == {"applied": 1}
        assert profile.sync().full_resync is None  # once is enough
    finally:
        profile.close()
