"""A sync process killed with SIGKILL at random points always resumes without loss.

50 runs of `python -m client sync` are each killed at a random point, while the
platform keeps changing (new documents routed to the user), the user keeps working
(sign-offs and acknowledgements queued between runs) and the platform's cursors are
replaced (a new instance_id, as after a restore from backup: full re-syncs, killed
halfway and resumed by the next run). After each tenth kill and at the end, one
complete sync must leave the cache identical to a fresh full pull, with every op
applied once.

The kills are aimed in bytes, not seconds: the client reaches the platform through the
link emulator (no delay), which counts what it delivers and kills the run once it has
received a random share of the pull it is expected to do (all of it after a new
instance_id, the rest of it when the run resumes a killed re-sync). Pages of 2 changes
make that pull a few hundred responses. The estimates follow what the runs show (a run
that finished: pulls are smaller than thought; a kill before any page: start-up is
bigger). Time plays no part, so the aim holds on a loaded machine. Whether a kill landed
mid-pull is read from the cache afterwards: a new cursor without a finished sync.
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
from tests.support.linkemu import LinkEmulator, LinkProfile

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


def _run_sync(env: dict[str, str], link: LinkEmulator) -> int:
    """One complete `client sync` run; returns the bytes it received."""
    before = link.stats.bytes_down
    proc = subprocess.run([sys.executable, "-m", "client", "sync"], cwd=REPO, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return link.stats.bytes_down - before


def _killed_after(env: dict[str, str], link: LinkEmulator, budget: int) -> subprocess.Popen[bytes]:
    """A `client sync` run, SIGKILLed once it has received `budget` bytes (the link
    emulator counts them as it delivers: the aim does not depend on the machine's load)."""
    proc = subprocess.Popen([sys.executable, "-m", "client", "sync"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    start = link.stats.bytes_down

    def aim(total: int) -> None:
        if total - start >= budget:
            link.on_down = None
            proc.kill()

    link.on_down = aim
    try:
        proc.communicate(timeout=120)
    finally:
        link.on_down = None
    return proc


def test_sync_killed_at_random_points_always_resumes(fresh_platform) -> None:
    seed = int(os.environ.get("GOVDESK_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    with LinkEmulator(("127.0.0.1", fresh_platform.port), LinkProfile("lan", one_way_ms=0)) \
            as link:
        platform = _Via(fresh_platform, link.url)
        Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
                      enrolment_code=fresh_platform.issue_enrolment_code("zhangjianguo")
                      ).close()  # no sync yet
        _kill_runs(platform, link, rng, seed)


class _Via:
    """The platform as the client reaches it: through the link emulator."""

    def __init__(self, platform, url: str) -> None:  # noqa: ANN001
        self._platform, self.base_url = platform, url

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._platform, name)


def _kill_runs(platform, link: LinkEmulator, rng: random.Random, seed: int) -> None:  # noqa: ANN001
    clerk = raw_session(platform, "wangli")
    env = dict(os.environ, GOVDESK_SYNC_PAGE_LIMIT=PAGE_LIMIT)

    # Calibration in bytes: a run with nothing to pull (start-up: its one request), and a
    # full re-sync (the pull the kills aim at; the first run also fetches the blobs once).
    _run_sync(env, link)
    startup = statistics.median(_run_sync(env, link) for _ in range(2))
    _new_instance(platform, "calibrated")
    pull = max(2_000.0, _run_sync(env, link) - startup)

    signed: dict[str, str] = {}
    acked: set[str] = set()
    outcomes = {"mid_pull": 0, "before_pull": 0, "after_pull": 0, "finished": 0}
    mark = _queue_local_work(platform, rng, signed, acked, work=False)
    remaining = 0.0  # the pull a resumed run still has to do (estimate, bytes)
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
        if rng.random() < 0.2:  # now and then past the pull: files, the exit, or done
            into_pull = remaining + rng.uniform(0, 60_000)
        proc = _killed_after(env, link, int(startup + into_pull))
        if proc.returncode != 0:
            assert proc.returncode == -9, (seed, proc.returncode, proc.stderr)
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
    print(f"kills: {outcomes}; start-up {startup:.0f} B, pull {pull:.0f} B (seed {seed})")
    # Most kills really interrupted a pull (and some re-syncs were resumed, not restarted).
    assert outcomes["mid_pull"] >= KILLS // 2, (seed, outcomes, startup, pull)
    assert len(signed) >= 5, (seed, len(signed))
