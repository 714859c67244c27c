"""A sync process killed with SIGKILL at random points always resumes without loss.

50 runs of `python -m client sync` are each killed after a random delay, while the
platform keeps changing (new documents routed to the user), the user keeps working
(sign-offs and acknowledgements queued between runs) and the platform's cursors are
replaced (a new instance_id, as after a restore from backup: full re-syncs, killed
halfway and resumed by the next run). After each tenth kill and at the end, one
complete sync must leave the cache identical to a fresh full pull, with every op
applied once.

Syncs are fast, so the kills are aimed: pages of 2 changes make a full pull last a
good fraction of a second, its length and the process start-up are measured first, and
each kill lands at a random point of the pull the run is expected to do (all of it
after a new instance_id, the rest of it when the run resumes a killed re-sync). The
estimates follow what the runs show (a run that finished: pulls are shorter than
thought; a kill before any page: start-up is longer), so the aim holds on a loaded
machine. Whether a kill landed mid-pull is read from the cache afterwards: a new cursor
without a finished sync.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

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
from client.sync import apply

KILLS = 50
PAGE_LIMIT = "2"


@dataclass(frozen=True)
class SyncMark:
    """What the cache says about the pull: where it is and when a sync last finished."""

    cursor: str | None
    last_success_at: object


def _mark() -> SyncMark:
    state = apply.sync_state()
    return SyncMark(state.cursor, state.last_success_at)


def _queue_local_work(platform, rng: random.Random, signed: dict[str, str],
                      acked: set[str], *, work: bool) -> SyncMark:
    """Queue sign-offs and an acknowledgement (when `work`); return the cache's mark."""
    profile = Profile.resume(platform.base_url, "zhangjianguo")
    try:
        mark = _mark()
        if not work:
            return mark
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
        return mark
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


def _new_instance(platform, tag: str) -> None:
    with platform_db(platform) as conn:  # restored from a backup: full re-sync
        conn.execute("UPDATE meta SET instance_id = ? WHERE id = 1", (tag,))


def _run_sync(env: dict[str, str]) -> float:
    """One complete `client sync` run; returns its wall time."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "client", "sync"], cwd=REPO, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return time.perf_counter() - start


def test_sync_killed_at_random_points_always_resumes(fresh_platform) -> None:
    platform = fresh_platform
    seed = int(os.environ.get("GOVDESK_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo")).close()  # no sync yet
    clerk = raw_session(platform, "wangli")
    env = dict(os.environ, GOVDESK_SYNC_PAGE_LIMIT=PAGE_LIMIT)

    # Calibration: a run with nothing to pull is start-up and exit; a full re-sync adds
    # the pull the kills aim at (the first run also fetches the blobs once).
    _run_sync(env)
    startup = statistics.median(_run_sync(env) for _ in range(2))
    _new_instance(platform, "calibrated")
    pull = max(0.1, _run_sync(env) - startup)

    signed: dict[str, str] = {}
    acked: set[str] = set()
    outcomes = {"mid_pull": 0, "before_pull": 0, "after_pull": 0, "finished": 0}
    mark = _queue_local_work(platform, rng, signed, acked, work=False)
    remaining = 0.0  # the pull a resumed run still has to do (estimate)
    for i in range(KILLS):
        if i % 5 == 0:
            for j in range(2):
                register_document(platform, clerk, ["u-zhangjianguo"],
                                  title=f"关于第{i}-{j}批防汛物资调拨的请示")
        # Resume a killed re-sync when much of it is left, else start a new one.
        if remaining < 0.4 * pull or rng.random() < 0.3:
            _new_instance(platform, f"restored-{i}")
            remaining = pull
        into_pull = rng.uniform(0.1, 0.8) * remaining
        proc = subprocess.Popen([sys.executable, "-m", "client", "sync"], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(startup + into_pull)
        proc.kill()
        _, err = proc.communicate()
        if proc.returncode != 0:
            assert proc.returncode == -9, (seed, proc.returncode, err.decode()[-2000:])
        before = mark
        mark = _queue_local_work(platform, rng, signed, acked, work=True)
        # Where the kill landed, and what that says about the estimates.
        if proc.returncode == 0:
            outcome = "finished"
        elif mark.last_success_at != before.last_success_at:
            outcome = "after_pull"  # e.g. fetching blobs, or exiting
        elif mark.cursor != before.cursor:
            outcome = "mid_pull"
        else:
            outcome = "before_pull"  # start-up, push, or inside the first page
        outcomes[outcome] += 1
        if outcome == "mid_pull":
            remaining -= into_pull
        else:
            remaining = 0.0
            if outcome == "before_pull":
                startup *= 1.1
            else:
                pull *= 0.85
        if i % 10 == 9:
            _check_converged(platform, signed, acked, seed)
            mark = _queue_local_work(platform, rng, signed, acked, work=False)
            remaining = 0.0
    _check_converged(platform, signed, acked, seed)
    print(f"kills: {outcomes}; start-up {startup:.2f} s, pull {pull:.2f} s (seed {seed})")
    # Most kills really interrupted a pull (and some re-syncs were resumed, not restarted).
    assert outcomes["mid_pull"] >= KILLS // 2, (seed, outcomes, startup, pull)
    assert len(signed) >= 5, (seed, len(signed))
