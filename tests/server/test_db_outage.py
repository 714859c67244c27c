"""The platform and its database (issue 12 item 3): a PostgreSQL restart costs 503s with
Retry-After while it is down, and service comes back by itself; a database that cannot
be reached at start is one line on stderr and a non-zero exit."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from server.embedded import REPO_ROOT, EmbeddedPlatform, free_port
from tests.support.services import require_service

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)


class Cluster:
    """A throwaway PostgreSQL cluster of this test's own (it is restarted)."""

    def __init__(self, root: Path) -> None:
        if not PG_BINS or not (PG_BINS[-1] / "initdb").exists():
            require_service("PostgreSQL server binaries (initdb, pg_ctl)")
        self.bin = PG_BINS[-1]
        self.root = root
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses root
        if self.as_postgres:
            shutil.chown(root, "postgres")
        self._run(f"{self.bin}/initdb -D {root}/data -A trust -U postgres -E UTF8 "
                  "--locale=C.UTF-8")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: str) -> None:
        full = ["su", "postgres", "-s", "/bin/sh", "-c", cmd] if self.as_postgres else [
            "/bin/sh", "-c", cmd]
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(f"{self.bin}/pg_ctl -D {self.root}/data -w -l {self.root}/log -o "
                  f"'-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off' start")

    def stop(self) -> None:
        self._run(f"{self.bin}/pg_ctl -D {self.root}/data -m fast -w stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    # Under /tmp, not pytest's tmp_path: the postgres user must reach it.
    root = Path(tempfile.mkdtemp(prefix="govdesk-pgtest-"))
    try:
        c = Cluster(root)
        c.start()
        yield c
        with contextlib.suppress(subprocess.CalledProcessError):
            c.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_restart_503_then_recovers_by_itself(cluster: Cluster) -> None:
    platform = EmbeddedPlatform(cluster.url, demo=False)
    with platform:
        # A route that reads the database (no account needed: the token lookup does).
        def probe() -> requests.Response:
            return requests.get(f"{platform.base_url}/api/v1/changes", timeout=10,
                                headers={"Authorization": "Bearer nope"})

        assert probe().status_code == 401
        cluster.stop()
        down = [probe() for _ in range(4)]
        for r in down:
            assert r.status_code == 503, r.text
            assert r.json()["code"] == "server.unavailable"
            assert int(r.headers["Retry-After"]) > 0
        cluster.start()
        deadline = time.monotonic() + 15
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(probe().status_code)
            if statuses[-3:] == [401, 401, 401]:
                break
            time.sleep(0.2)
        assert statuses[-3:] == [401, 401, 401], statuses
        assert "Traceback" not in platform.log_tail(20000)


def test_unreachable_database_at_start_is_one_line_and_nonzero(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT),
               GOVDESK_DB_URL=f"postgresql://govdesk:s3cret@127.0.0.1:{port}/govdesk")
    proc = subprocess.run([sys.executable, "-m", "server", "serve", "--port", str(free_port())],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: cannot open the platform database postgresql://govdesk:***@")
    assert "s3cret" not in proc.stderr
