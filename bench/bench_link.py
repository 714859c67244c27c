"""Sync over an emulated township link (tests/support/linkemu.py), next to its minimum.

    .venv/bin/python bench/bench_link.py [--user zhangjianguo] [--profiles both|jitter|slow]

For each link profile (300 ms RTT with ±25 ms jitter and line stalls; 300 ms at
80 kbit/s) and a fresh device of the demo leader, prints:
- first sync: login, then one sync run (push, pull, files) in the same process;
- no-change sync: in the same process (kept-alive connection) and in a new one (what a
  `govdesk-cli sync` costs: a new connection, the access token from the keyring);
- sync after one sign-off (push the op, pull what it caused).
Each next to its theoretical minimum: bytes that crossed the line ÷ rate + RTT × the
round trips that cannot overlap + the stalls the emulator injected meanwhile (no client
can avoid those). The round trips that cannot overlap: one per push batch, one per page
(each page needs the previous cursor) and one for the files (all could go at once).
Uses a throw-away GOVDESK_HOME and a file keyring; the platform is a real subprocess.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "sync")]

import govdesk_test_keyring  # noqa: E402
import keyring  # noqa: E402

from tests.support.linkemu import JITTER_AND_STALLS, SLOW_80K, LinkEmulator, LinkProfile  # noqa: E402

PASSWORD = "Fujin@2005"


@dataclass
class Figure:
    what: str
    seconds: float
    minimum: float
    requests: int
    round_trips: int
    bytes_down: int
    bytes_up: int
    stall_s: float
    connections: int

    def line(self) -> str:
        ratio = self.seconds / self.minimum if self.minimum else float("nan")
        return (f"  {self.what:<34} {self.seconds:7.2f} s  min {self.minimum:6.2f} s  "
                f"×{ratio:4.2f}  requests {self.requests:3d}  rtts≥{self.round_trips:2d}  "
                f"down {self.bytes_down / 1024:7.1f} KB  up {self.bytes_up / 1024:5.1f} KB  "
                f"stalls {self.stall_s:4.1f} s  conns {self.connections}")


def minimum(link: LinkEmulator, round_trips: int) -> float:
    profile = link.profile
    rate = profile.bytes_per_s
    # The two directions are separate lines: the busier one bounds the run.
    wire = max(link.stats.bytes_down, link.stats.bytes_up) / rate if rate else 0.0
    return wire + round_trips * profile.rtt_s + link.stats.stall_seconds


def measure(link: LinkEmulator, what: str, fn, round_trips) -> Figure:  # type: ignore[no-untyped-def]
    link.stats.reset()
    start = time.perf_counter()
    report = fn()
    seconds = time.perf_counter() - start
    rtts = round_trips(report) if callable(round_trips) else round_trips
    return Figure(what, seconds, minimum(link, rtts), report.requests if report else 0,
                  rtts, link.stats.bytes_down, link.stats.bytes_up, link.stats.stall_seconds,
                  link.stats.connections)


def first_sync_rtts(report) -> int:  # type: ignore[no-untyped-def]
    pushes = 1 if report.pushed else 0
    return pushes + report.pages + (1 if report.blobs_fetched else 0)


def run_profile(platform, profile: LinkProfile, user: str, home: Path) -> list[Figure]:  # type: ignore[no-untyped-def]
    from synckit import pending_tasks, sign

    from client.session import Profile
    from client.sync import blobs

    os.environ["GOVDESK_HOME"] = str(home)
    figures: list[Figure] = []
    with LinkEmulator(("127.0.0.1", platform.port), profile) as link:
        url = link.url
        link.stats.reset()
        t = time.perf_counter()
        device = Profile.login(url, user, PASSWORD)
        login_s = time.perf_counter() - t
        print(f"  {'login (connect + POST /auth/login)':<34} {login_s:7.2f} s  "
              f"min {2 * profile.rtt_s + link.stats.stall_seconds:6.2f} s")
        # The signing key is enrolled once, with county IT's code (not part of a sync).
        device.enrol_key(PASSWORD, platform.issue_enrolment_code(user))
        try:
            fetched: list[int] = []
            # PDF text indexing runs after the sync, in a child process (client/sync/indexer.py):
            # it is not part of what the link costs.
            figures.append(measure(link, "first sync", lambda: _sync(device, fetched),
                                   first_sync_rtts))
            print(figures[-1].line()
                  + f"  files {fetched[0]} (×{blobs.FETCH_CONCURRENCY} at once)")
            first = figures[-1]
            # The emulated line holds at most `buffer_bytes` in flight per connection (a TCP
            # window): on one connection it carries at most buffer ÷ one-way delay, however
            # fast the line is. What that adds to the minimum, said apart, not hidden in it.
            window_s = first.bytes_down / (profile.buffer_bytes / (profile.one_way_ms / 1000)) \
                if profile.one_way_ms else 0.0
            if window_s > 0.05 and not profile.rate_kbit:
                print(f"  {'  min with one window in flight':<34} {first.seconds:7.2f} s  "
                      f"min {first.minimum + window_s:6.2f} s  "
                      f"×{first.seconds / (first.minimum + window_s):4.2f}  "
                      f"({profile.buffer_bytes // 1024} KB per {profile.one_way_ms:.0f} ms: "
                      f"+{window_s:.2f} s for {first.bytes_down / 1024:.0f} KB on one connection)")
            figures.append(measure(link, "no-change sync (same process)",
                                   lambda: device.sync(), 1))
            print(figures[-1].line())
        finally:
            device.close()
        resumed = Profile.resume(url, user)
        try:
            # A new process: a new connection (one more round trip), no /auth/refresh.
            figures.append(measure(link, "no-change sync (new process)",
                                   lambda: resumed.sync(), 2))
            print(figures[-1].line())
            with resumed.cache_context():
                task = pending_tasks(resumed)[0]
                sign(resumed, task, "同意。")
            figures.append(measure(link, "sync after one sign-off",
                                   lambda: resumed.sync(), first_sync_rtts))
            print(figures[-1].line())
        finally:
            resumed.close()
    return figures


def _sync(device, fetched: list[int]):  # type: ignore[no-untyped-def]
    report = device.sync()
    fetched.append(report.blobs_fetched)
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", default="zhangjianguo")
    ap.add_argument("--profiles", choices=("both", "jitter", "slow", "loopback"),
                    default="both", help="loopback: no delay at all, what the two ends' "
                    "own work costs (the part of a ratio no link explains)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="govdesk-bench-link-"))
    os.environ["GOVDESK_TEST_KEYRING_FILE"] = str(tmp / "keyring.json")
    os.environ["GOVDESK_MACHINE_CONFIG"] = str(tmp / "no-machine.toml")
    os.environ["GOVDESK_POLICY_FILE"] = str(tmp / "no-policy.toml")
    keyring.set_keyring(govdesk_test_keyring.FileKeyring())
    from server.embedded import EmbeddedPlatform

    platform = EmbeddedPlatform(tmp / "platform.db", demo=True)
    platform.init_demo()
    profiles = {"jitter": [JITTER_AND_STALLS], "slow": [SLOW_80K],
                "both": [JITTER_AND_STALLS, SLOW_80K],
                "loopback": [LinkProfile("loopback", one_way_ms=0)]}[args.profiles]
    with platform:
        for i, profile in enumerate(profiles):
            print(f"{profile.name}: RTT {profile.rtt_s * 1000:.0f} ms, "
                  f"jitter ±{profile.jitter_ms:.0f} ms, "
                  f"rate {profile.rate_kbit or '∞'} kbit/s, "
                  f"stalls {profile.stall_ms:.0f} ms every ~{profile.stall_every_s or '∞'} s")
            run_profile(platform, profile, args.user, tmp / f"home-{i}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
