"""A platform restored from a backup older than the client's sync (issue 12 item 1).

The exact scenario of the issue, end to end, on SQLite and on PostgreSQL: a backup is
taken; the leader signs a task and syncs (applied); the platform is restored from the
backup by hand (a copied-back SQLite file; `dropdb`, `createdb`, `pg_restore`), keeping
its instance_id; new users push the head past the client's cursor. The client must
notice (cursor.diverged), re-synchronise, send the op again, and end with the opinion
on the platform exactly once and a cache equal to the platform's view.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from synckit import (
    PASSWORD,
    cache_versions,
    login,
    pending_tasks,
    platform_view,
    raw_session,
    sign,
    versions,
)

from client import models
from client.services import outbox
from client.types import OpState
from server.embedded import EmbeddedPlatform

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next((str(b / name) for b in PG_BIN if (b / name).exists()),
                                       None)
    if found is None:
        pytest.fail(f"{name} not found")
    return found


class _Backend:
    def __init__(self, kind: str, tmp: Path, pg_url: str | None) -> None:
        self.kind = kind
        self.tmp = tmp
        self.pg_admin = pg_url
        if kind == "sqlite":
            self.url = str(tmp / "platform.db")
        else:
            assert pg_url is not None
            self.name = "govdesk_test_" + uuid.uuid4().hex[:12]
            self._admin(f'CREATE DATABASE "{self.name}"')
            self.url = pg_url.rpartition("/")[0] + "/" + self.name

    def _admin(self, sql: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.pg_admin)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def backup(self) -> Path:
        out = self.tmp / ("backup.db" if self.kind == "sqlite" else "backup.dump")
        if self.kind == "sqlite":
            with sqlite3.connect(self.url) as src, sqlite3.connect(out) as dst:
                src.backup(dst)
        else:
            subprocess.run([_pg_tool("pg_dump"), "-Fc", "-f", str(out), self.url], check=True)
        return out

    def restore_by_hand(self, dump: Path) -> None:
        """What county IT did: no platform command, the instance_id unchanged."""
        if self.kind == "sqlite":
            for suffix in ("-wal", "-shm"):
                Path(self.url + suffix).unlink(missing_ok=True)
            shutil.copyfile(dump, self.url)
        else:
            self._admin(f'DROP DATABASE "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
            subprocess.run([_pg_tool("pg_restore"), "--no-owner", "-d", self.url, str(dump)],
                           check=True)

    def drop(self) -> None:
        if self.kind != "sqlite":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[_Backend]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    b = _Backend(request.param, tmp_path, pg)
    yield b
    b.drop()


def _opinions(platform: Any, task_id: str) -> int:
    headers = raw_session(platform, "zhangjianguo")
    view = platform_view(platform, "zhangjianguo")
    del headers
    return sum(1 for (kind, _), data in view.items()
               if kind == "opinion" and data.get("task_id") == task_id)


def test_restored_platform_gets_the_lost_opinion_back_exactly_once(backend: _Backend) -> None:
    platform = EmbeddedPlatform(backend.url, demo=True)
    with platform:
        profile = login(platform, "zhangjianguo")
        try:
            dump = backend.backup()
            task = pending_tasks(profile, "instruct")[0]
            typed = "同意。请农业农村局抓紧落实秋粮收购资金。"
            op_id = sign(profile, task, typed)
            assert profile.sync().pushed == {"applied": 1}
            assert _opinions(platform, task.id) == 1

            platform.stop()
            backend.restore_by_hand(dump)
            platform.start()
            assert _opinions(platform, task.id) == 0  # the restore lost the opinion
            admin = raw_session(platform, "admin")
            for i in range(8):  # new activity pushes the head past the client's cursor
                r = requests.post(f"{platform.base_url}/api/v1/admin/users", headers=admin,
                                  timeout=30, json={
                                      "username": f"new{i}", "password": PASSWORD,
                                      "display_name": f"新同志{i}", "unit_id": "fujin-szf",
                                      "roles": ["staff"]})
                assert r.status_code == 201, r.text

            report = profile.sync()
            assert report.full_resync == "rolled_back"
            assert report.resent_ops >= 1
            assert outbox.get(op_id).state == OpState.DONE
            assert _opinions(platform, task.id) == 1
            # The cache equals the platform's view of this user: the 8 new users are
            # here, the objects the restore removed are gone.
            assert cache_versions() == versions(platform_view(platform, "zhangjianguo"))
            assert models.User.select().where(models.User.username.startswith("new")).count() == 8
            # A second sync changes nothing and sends nothing again.
            again = profile.sync()
            assert again.full_resync is None and again.pushed == {}
        finally:
            profile.close()
