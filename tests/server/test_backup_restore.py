"""`python -m server backup` / `restore` on SQLite and PostgreSQL (issue 12 item 2): the
restore puts the data back and bumps the restore epoch that /meta and cursors carry."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from server.embedded import REPO_ROOT


def _server(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _epoch_and_units(db_url: str) -> tuple[int, int]:
    from server.db import close_database, open_database
    from server.models import Meta, Unit

    open_database(db_url)
    try:
        return int(Meta.get_by_id(1).restore_epoch), Unit.select().count()
    finally:
        close_database()


def test_backup_then_restore_puts_data_back_and_bumps_the_epoch(db_url: str,
                                                                tmp_path: Path) -> None:
    assert _server("migrate", "--db", db_url).returncode == 0
    assert _server("create-unit", "--db", db_url, "--name", "富锦市", "--kind", "county",
                   "--id", "fujin").returncode == 0
    backup = tmp_path / "platform.backup"
    r = _server("backup", "--db", db_url, "--out", str(backup))
    assert r.returncode == 0, r.stderr
    assert backup.stat().st_size > 0
    assert _server("create-unit", "--db", db_url, "--name", "长安镇", "--kind", "town",
                   "--id", "changan", "--parent", "fujin").returncode == 0
    assert _epoch_and_units(db_url) == (0, 2)
    r = _server("restore", "--db", db_url, "--from", str(backup))
    assert r.returncode == 0, r.stderr
    assert "restore epoch now 1" in r.stdout
    assert _epoch_and_units(db_url) == (1, 1)  # the unit made after the backup is gone


def test_restore_from_a_missing_file_is_one_line(db_url: str, tmp_path: Path) -> None:
    r = _server("restore", "--db", db_url, "--from", str(tmp_path / "nope.backup"))
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "no backup at" in r.stderr


def test_sqlite_backup_is_a_consistent_database(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert _server("migrate", "--db", str(db)).returncode == 0
    out = tmp_path / "copy.db"
    assert _server("backup", "--db", str(db), "--out", str(out)).returncode == 0
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
