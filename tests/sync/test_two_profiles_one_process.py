"""Two officials' PCs in ONE process: both profiles open at once, each signing and syncing
against the real platform, each cache holding exactly its own user's data, from the
caller's thread, the sync engine's download thread and the SyncManager's thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from synckit import (
    cache_versions,
    login,
    pending_tasks,
    platform_view,
    sign,
    use_home,
    versions,
)

from client import db, models
from client.models import CrossCacheWrite
from client.services import outbox
from client.session import Profile
from client.sync.manager import SyncManager

LEADER, VICE = "zhangjianguo", "lihua"


def _signed_in(platform, username: str) -> Profile:
    profile = login(platform, username, sync=False)
    assert profile.engine is not None
    # Small pages: the pull downloads the next page on its worker thread meanwhile.
    profile.engine.page_limit = 40
    report = profile.sync()
    assert report.pages > 2
    return profile


def _matches_platform(platform, profile: Profile, *, sync: bool = True) -> None:
    """After a sync, the cache holds exactly what its user may see on the platform."""
    if sync:  # what the other profile did meanwhile (its device key, opinions) arrives
        profile.sync()
    with profile.cache_context():
        assert models.sync_state().user_id == profile.user_id
        assert cache_versions() == versions(platform_view(platform, profile.username))


def test_two_users_open_at_once_in_one_process(platform, monkeypatch, tmp_path) -> None:
    office = Path(os.environ["GOVDESK_HOME"])
    leader = _signed_in(platform, LEADER)
    use_home(monkeypatch, tmp_path / "vice-mayor-pc")
    vice = _signed_in(platform, VICE)  # the leader's profile stays open
    try:
        assert leader.db is not vice.db and leader.dir != vice.dir
        assert not leader.dir.is_relative_to(tmp_path / "vice-mayor-pc")
        assert vice.dir.is_relative_to(tmp_path / "vice-mayor-pc") and office != vice.dir
        # Outside a profile's context nothing is guessed.
        with pytest.raises(db.NoActiveCache):
            models.Task.select().count()
        _matches_platform(platform, leader)
        _matches_platform(platform, vice)

        # Each signs one of their own tasks, in their own context.
        ops: dict[str, str] = {}
        for profile in (leader, vice):
            with profile.cache_context():
                mine = pending_tasks(profile)
                assert mine, f"{profile.username} has nothing to sign in the demo"
                ops[profile.username] = sign(profile, mine[0], f"{profile.username}：同意。")
        with leader.cache_context():
            assert outbox.get(ops[LEADER]) is not None
            assert models.LocalOpinion.get_or_none(op_id=ops[VICE]) is None
        with vice.cache_context():
            assert models.LocalOpinion.get_or_none(op_id=ops[LEADER]) is None

        # Both sync at the same time, each from a thread started with no context at all.
        reports: dict[str, object] = {}

        def sync(profile: Profile) -> None:
            try:
                reports[profile.username] = profile.sync().pushed
            except BaseException as exc:  # handed to the test thread
                reports[profile.username] = exc

        threads = [threading.Thread(target=sync, args=(p,)) for p in (leader, vice)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert reports == {LEADER: {"applied": 1}, VICE: {"applied": 1}}
        _matches_platform(platform, leader)
        _matches_platform(platform, vice)

        # A row read from one cache is refused by the other; a profile's services write
        # their own cache even when called inside the other's context.
        with leader.cache_context():
            row = models.Task.get_by_id(pending_tasks(leader)[0].id)
        with vice.cache_context(), pytest.raises(CrossCacheWrite):
            row.save()
        assert leader.services is not None
        with vice.cache_context():
            leader.services.signoff.save_draft(row.id, decision="approve", text="草稿",
                                               forward_to=[])
        with leader.cache_context():
            assert models.OpinionDraft.get_or_none(task_id=row.id) is not None
        with vice.cache_context():
            assert models.OpinionDraft.get_or_none(task_id=row.id) is None

        # Both SyncManagers run side by side, each on its own profile's cache.
        managers = [SyncManager(p.engine, interval=3600, use_events=False)  # type: ignore
                    for p in (leader, vice)]
        synced: dict[int, list[object]] = {0: [], 1: []}
        for n, manager in enumerate(managers):
            manager.add_listener(lambda e, n=n: synced[n].append(e.report or e.error)
                                 if e.kind in ("synced", "error") else None)
        with leader.cache_context():
            second = sign(leader, pending_tasks(leader)[0], "第二件：同意。")
        try:
            for manager in managers:
                manager.start()
            for manager in managers:
                assert manager.wait_idle(120)
            managers[1].sync_now()  # the vice-mayor's PC picks up the leader's opinion
            assert managers[1].wait_idle(120)
        finally:
            for manager in managers:
                manager.stop()
        assert [type(x).__name__ for x in synced[0] + synced[1]] == ["SyncReport"] * 3
        assert synced[0][0].pushed == {"applied": 1}  # type: ignore[attr-defined]
        assert synced[1][0].pushed == {}  # type: ignore[attr-defined]
        with leader.cache_context():
            assert outbox.get(second).state.value == "done"
        _matches_platform(platform, leader, sync=False)
        _matches_platform(platform, vice, sync=False)
    finally:
        leader.close()
        vice.close()
    # The vice-mayor's data never reached the leader's file, nor the other way round.
    vice_again = Profile.resume(platform.base_url, VICE)
    try:
        _matches_platform(platform, vice_again)
    finally:
        vice_again.close()
