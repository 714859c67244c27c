"""A sync process killed with SIGKILL at random points always resumes without loss.

50 runs of `python -m client sync` are each killed after a random delay, while the
platform keeps changing (new documents routed to the user), the user keeps working
(sign-offs and acknowledgements queued between runs) and the platform's cursors are
replaced now and then (a new instance_id: full re-syncs killed halfway). Small pages make the pull long
enough for kills to land inside it. After each tenth kill and at the end, one complete
sync must leave the cache identical to a fresh full pull, with every op applied once.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

from synckit import (
    PASSWORD,
    REPO,
    cache_versions,
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

KILLS = 50


def _queue_local_work(platform, rng: random.Random, signed: dict[str, str],
                      acked: set[str]) -> None:
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        for task in pending_tasks(profile)[: rng.randint(0, 2)]:
            text = f"意见{len(signed)}：同意，按程序办理。"
            sign(profile, task, text)
            signed[task.id] = text
        notices = [n for n in models.Notice.select().where(
            (models.Notice.requires_ack == True) & (models.Notice.acked == False))]  # noqa: E712
        if notices and rng.random() < 0.3:
            assert profile.services is not None
            profile.services.notices.acknowledge(notices[0].id, now=models.from_epoch(time.time()))
            acked.add(notices[0].id)
    finally:
        profile.close()


def _check_converged(platform, signed: dict[str, str], acked: set[str], seed: int) -> None:
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        profile.sync()
        counts = outbox.counts()
        assert counts.unsent == 0 and counts.problems == 0, (seed, counts)
        assert cache_versions() == versions(platform_view(platform, "zhangjianguo")), seed
        for task_id, text in signed.items():
            assert [o.text for o in models.Opinion.select().where(
                models.Opinion.task_id == task_id)] == [text], (seed, task_id)
    finally:
        profile.close()
    with platform_db(platform) as conn:
        for task_id in signed:
            n = conn.execute("SELECT count(*) FROM opinion WHERE task_id = ?",
                             (task_id,)).fetchone()[0]
            assert n == 1, (seed, task_id, n)
        for notice_id in acked:
            n = conn.execute("SELECT count(*) FROM receipt WHERE notice_id = ? AND kind = 'ack' "
                             "AND user_id = 'u-zhangjianguo'", (notice_id,)).fetchone()[0]
            assert n == 1, (seed, notice_id, n)


def test_sync_killed_at_random_points_always_resumes(fresh_platform) -> None:
    platform = fresh_platform
    seed = int(os.environ.get("GOVDESK_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    Profile.login(platform.base_url, "zhangjianguo", PASSWORD).close()  # no sync yet
    clerk = raw_session(platform, "wangli")
    env = dict(os.environ, GOVDESK_SYNC_PAGE_LIMIT="25")
    signed: dict[str, str] = {}
    acked: set[str] = set()
    outcomes = {"killed": 0, "finished": 0}
    for i in range(KILLS):
        if i % 5 == 0:
            for j in range(2):
                register_document(platform, clerk, ["u-zhangjianguo"],
                                  title=f"关于第{i}-{j}批防汛物资调拨的请示")
        if i % 10 == 7:
            with platform_db(platform) as conn:  # restored from a backup: full re-sync
                conn.execute("UPDATE meta SET instance_id = ? WHERE id = 1", (f"restored-{i}",))
        if i:
            _queue_local_work(platform, rng, signed, acked)
        proc = subprocess.Popen([sys.executable, "-m", "client", "sync"], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.1, 1.0))
        proc.kill()
        _, err = proc.communicate()
        if proc.returncode == 0:
            outcomes["finished"] += 1
        else:
            assert proc.returncode == -9, (seed, proc.returncode, err.decode()[-2000:])
            outcomes["killed"] += 1
        if i % 10 == 9:
            _check_converged(platform, signed, acked, seed)
    _check_converged(platform, signed, acked, seed)
    assert outcomes["killed"] >= KILLS // 3, (seed, outcomes)  # the kills really interrupted
    assert len(signed) >= 5, (seed, len(signed))
