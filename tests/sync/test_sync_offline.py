"""Work done offline reaches the platform exactly once; conflicts keep what was typed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from synckit import (
    PASSWORD,
    cache_versions,
    login,
    now,
    pending_tasks,
    platform_db,
    platform_view,
    sign,
    use_home,
    versions,
)

from client import models
from client.errors import NetworkError
from client.services import outbox
from client.session import Profile


def test_offline_signoffs_and_acks_are_applied_exactly_once(fresh_platform) -> None:
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    tasks = pending_tasks(profile)
    assert len(tasks) >= 2
    notices = list(models.Notice.select().where(models.Notice.requires_ack == True))  # noqa: E712
    assert notices, "the demo county has notices that ask for acknowledgement"
    profile.close()

    platform.stop()
    offline = Profile.open_offline(platform.base_url, "zhangjianguo", PASSWORD)
    try:
        texts = {}
        for i, task in enumerate(tasks[:2]):
            texts[task.id] = f"离线签批意见{i}：同意，请抓紧落实。"
            sign(offline, task, texts[task.id])
        assert offline.services.notices.acknowledge(notices[0].id, now=now())
        assert outbox.counts().queued == 3
        with pytest.raises(NetworkError) as err:
            offline.sync()
        assert err.value.code == "network.unreachable"
        assert outbox.counts().queued + outbox.counts().sent == 3  # nothing lost, no attempt spent
        assert all(op.attempts == 0 for op in models.OutboxOp.select())
    finally:
        offline.close()

    platform.start()
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        report = profile.sync()
        assert report.pushed == {"applied": 3}
        again = profile.sync()  # nothing left to send
        assert again.pushed == {}
        for task_id, text in texts.items():
            task = models.Task.get_by_id(task_id)
            assert task.status == "done" and task.local_state == ""
            ops = list(models.Opinion.select().where(models.Opinion.task_id == task_id))
            assert [o.text for o in ops] == [text]
        assert models.Notice.get(models.Notice.id == notices[0].id).acked
        assert cache_versions() == versions(platform_view(platform, "zhangjianguo"))
    finally:
        profile.close()

    with platform_db(platform) as conn:
        opinions = conn.execute(
            f"SELECT task_id, count(*) FROM opinion WHERE task_id IN "
            f"({','.join('?' * len(texts))}) GROUP BY task_id", list(texts)).fetchall()
        acks = conn.execute("SELECT count(*) FROM receipt WHERE notice_id = ? AND kind = 'ack' "
                            "AND user_id = 'u-zhangjianguo'", (notices[0].id,)).fetchone()[0]
    assert sorted(opinions) == sorted((t, 1) for t in texts)
    assert acks == 1


def test_conflicting_signoff_keeps_the_typed_opinion(fresh_platform, monkeypatch,
                                                    tmp_path) -> None:
    """The task is returned elsewhere first; our sign-off made offline must not vanish."""
    platform = fresh_platform
    profile = login(platform, "zhangjianguo")
    task = pending_tasks(profile, "instruct")[0]
    profile.close()

    # The same leader, on another PC, returns the task first.
    home = os.environ["GOVDESK_HOME"]
    use_home(monkeypatch, tmp_path / "pc2")
    pc2 = login(platform, "zhangjianguo")
    sign(pc2, models.Task.get_by_id(task.id), "退回重拟。", decision="return")
    assert pc2.sync().pushed == {"applied": 1}
    pc2.close()
    use_home(monkeypatch, Path(home))

    # Meanwhile this PC (not yet synced) approves it with a long, typed opinion.
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        typed = "同意。请财政局会同水务局于十月底前拿出防汛资金安排方案，报市政府审定。"
        op_id = sign(profile, models.Task.get_by_id(task.id), typed)
        report = profile.sync()
        assert report.pushed == {"conflict": 1}
        op = outbox.get(op_id)
        assert op is not None and op.state == "conflict" and op.result_code == "task.not_pending"
        kept = profile.services.signoff.kept_opinion(op_id)
        assert kept.text == typed and kept.state == "conflict"
        assert [p.op_id for p in outbox.problems()] == [op_id]
        detail = profile.services.documents.get(task.document_id)
        shown = [o for o in detail.opinions if o.local_state == "conflict"]
        assert [o.text for o in shown] == [typed]
    finally:
        profile.close()
