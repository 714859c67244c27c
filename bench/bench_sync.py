"""Sync figures against a real platform subprocess on loopback.

    .venv/bin/python bench/bench_sync.py [--scale 20000] [--user wangli] [--repeat 3]
        [--page-limit 1000] [--platform-db FILE] [--all-visible]

Prints:
- the first sync of a fresh profile (documents/s), and the ratio to the floor: plain
  download of the same pages plus a plain sqlite3 insert of their JSON (both repeated
  --repeat times, each with a fresh profile / database; medians compared, since the
  2-core machine is shared and single runs of well under a second are noisy), and the
  same floor into a SQLCipher file with the cache's settings: what encryption at rest
  alone costs, so the ratio can be read apart from it;
- the client process's CPU time for each (the platform runs in another process): on a
  shared machine it varies less than wall time, and it is the client's own work;
- a no-change sync: requests sent and milliseconds (median of 20).
Uses a throw-away GOVDESK_HOME and a file keyring under a temporary folder.
--platform-db FILE: a platform database already filled by `init-demo --scale N` is
copied and served instead of building one (init-demo --scale 20000 takes ~30 s alone).
--all-visible: every generated document goes to the county office, so its clerk wangli
sees all of them (a user with full visibility: --scale 20000 and 100000).
--profile FILE: cProfile stats of the last first sync (read with `python -m pstats`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "sync")]

import govdesk_test_keyring  # noqa: E402
import keyring  # noqa: E402
import requests  # noqa: E402

from client import jsontext  # noqa: E402


def plain_pull(base_url: str, username: str, password: str, db_path: Path,
               limit: int, encrypted: bool = False) -> tuple[float, float, int]:
    """The floor: download every page with requests, insert raw JSON rows with sqlite3
    (JSON through client.jsontext, as the client decodes and encodes it).

    encrypted: the same rows into a SQLCipher file with the cache's settings (a raw
    256-bit key and client.db's pragmas): what encryption at rest alone adds to the
    floor, so that the ratio can be read apart from it."""
    r = requests.post(f"{base_url}/api/v1/auth/login", timeout=30, json={
        "username": username, "password": password, "device_id": str(uuid.uuid4()),
        "device_name": "bench"})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    if encrypted:
        from sqlcipher3 import dbapi2 as sqlcipher

        from client.db import KEY_BYTES, PRAGMAS, raw_key_passphrase

        conn = sqlcipher.connect(str(db_path))
        conn.execute(f"PRAGMA key = \"{raw_key_passphrase(os.urandom(KEY_BYTES))}\"")
        for name, value in PRAGMAS:
            conn.execute(f"PRAGMA {name} = {value}")
    else:
        conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE obj (type TEXT, id TEXT, version INT, data TEXT, "
                  "PRIMARY KEY (type, id))")
    start, cpu = time.perf_counter(), time.process_time()
    cursor, count = None, 0
    with requests.Session() as s:
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            body = jsontext.loads(s.get(f"{base_url}/api/v1/changes", params=params,
                                        headers=headers, timeout=60).content)
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO obj VALUES (?, ?, ?, ?)",
                    [(c["type"], c["id"], (c["data"] or {}).get("version", 0),
                      jsontext.dumps(c["data"])) for c in body["changes"]])
                conn.execute("CREATE TABLE IF NOT EXISTS cur (c TEXT)")
                conn.execute("DELETE FROM cur")
                conn.execute("INSERT INTO cur VALUES (?)", (body["cursor"],))
            count += len(body["changes"])
            cursor = body["cursor"]
            if not body["has_more"]:
                break
    return time.perf_counter() - start, time.process_time() - cpu, count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=20000)
    parser.add_argument("--user", default="wangli")
    parser.add_argument("--page-limit", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--platform-db", type=Path,
                        help="copy and serve this filled platform SQLite file")
    parser.add_argument("--all-visible", action="store_true",
                        help="build the platform with every generated document sent to the "
                             "county office, whose clerk (--user wangli) then sees them all")
    parser.add_argument("--profile", type=Path,
                        help="write cProfile stats of the last first sync to this file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="govdesk-bench-"))
    os.environ.update(GOVDESK_HOME=str(tmp / "home"),
                      GOVDESK_TEST_KEYRING_FILE=str(tmp / "keyring.json"),
                      GOVDESK_MACHINE_CONFIG=str(tmp / "none.toml"),
                      GOVDESK_POLICY_FILE=str(tmp / "none.toml"),
                      GOVDESK_USER_CONFIG=str(tmp / "settings.toml"))
    keyring.set_keyring(govdesk_test_keyring.FileKeyring())

    from client import models
    from client.config import load_settings
    from client.session import Profile
    from server.embedded import EmbeddedPlatform

    password = "Fujin@2005"
    t0 = time.perf_counter()
    if args.all_visible and not args.platform_db:
        import subprocess

        built = tmp / "all-visible.db"
        subprocess.run([sys.executable, "-m", "server", "init-demo", "--db", str(built),
                        "--scale", str(args.scale), "--scale-unit", "office", "--json"],
                       cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        args.platform_db = built
    if args.platform_db:
        shutil.copyfile(args.platform_db, tmp / "platform.db")
        platform = EmbeddedPlatform(tmp / "platform.db", demo=False)
        label = f"copy of {args.platform_db}"
    else:
        platform = EmbeddedPlatform(tmp / "platform.db", demo=True, scale=args.scale)
        label = f"--scale {args.scale}"
    with platform:
        print(f"platform ({label}) ready in {time.perf_counter() - t0:.0f} s")
        settings = load_settings({"sync_page_limit": args.page_limit})
        firsts, cpus, profile = [], [], None
        for i in range(args.repeat):
            if profile is not None:
                profile.close()
            os.environ["GOVDESK_HOME"] = str(tmp / f"home{i}")  # a fresh profile each time
            profile = Profile.login(platform.base_url, args.user, password, settings=settings)
            profile.engine.prefetch_enabled = False  # measure the feed, not PDF downloads
            prof = None
            if args.profile and i == args.repeat - 1:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            start, cpu = time.perf_counter(), time.process_time()
            report = profile.sync()
            first = time.perf_counter() - start
            cpus.append(time.process_time() - cpu)
            if prof is not None:
                prof.disable()
                prof.dump_stats(args.profile)
            docs = models.Document.select().count()
            firsts.append(first)
            print(f"first sync: {report.objects} changes, {docs} documents, {report.pages} pages "
                  f"in {first:.2f} s = {docs / first:.0f} documents/s "
                  f"({report.objects / first:.0f} objects/s); client CPU {cpus[-1]:.2f} s")
        assert profile is not None
        floors: dict[bool, list[float]] = {False: [], True: []}
        floor_cpus: list[float] = []
        for encrypted, what in ((False, "sqlite3"), (True, "SQLCipher")):
            for i in range(args.repeat):
                floor, floor_cpu, count = plain_pull(
                    platform.base_url, args.user, password, tmp / f"plain{i}-{encrypted}.db",
                    args.page_limit, encrypted=encrypted)
                floors[encrypted].append(floor)
                if not encrypted:
                    floor_cpus.append(floor_cpu)
                print(f"plain download + {what} insert of the same {count} changes: "
                      f"{floor:.2f} s (client CPU {floor_cpu:.2f} s)")
        sealed = statistics.median(floors[True])
        first, floor = statistics.median(firsts), statistics.median(floors[False])
        print(f"median of {args.repeat}: first sync {first:.2f} s = {docs / first:.0f} documents/s "
              f"({report.objects / first:.0f} objects/s); plain {floor:.2f} s = "
              f"{docs / floor:.0f} documents/s; GovDesk sync / plain = {first / floor:.2f}x")
        print(f"  the floor with encryption at rest: {sealed:.2f} s; "
              f"GovDesk sync / encrypted plain = {first / sealed:.2f}x")
        # CPU of this process only (the platform is another): steadier than wall time on
        # a shared machine, and what the client's own work costs against the floor's.
        print(f"  client CPU, median: GovDesk {statistics.median(cpus):.2f} s, plain "
              f"{statistics.median(floor_cpus):.2f} s")

        times, reqs = [], set()
        for _ in range(20):
            start = time.perf_counter()
            r = profile.sync()
            times.append((time.perf_counter() - start) * 1000)
            reqs.add(r.requests)
        print(f"no-change sync: {sorted(reqs)} request(s), median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms (20 runs)")
        profile.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
