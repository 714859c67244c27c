"""The demo template shared by several processes (the test run's workers, repeated GUI
demos): built once, never seen half-written, and a dead builder does not block forever."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from server import embedded


@pytest.fixture
def fake_init_demo(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """init-demo replaced by a slow writer of a one-table database: records each build."""
    calls: list[str] = []

    def run(db_url: str, scale: int | None, env: dict[str, str]) -> dict[str, Any]:
        calls.append(db_url)
        path = Path(db_url[len("sqlite:///"):])
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("CREATE TABLE t (x)")
            conn.execute("INSERT INTO t VALUES (?)", (len(calls),))
        time.sleep(0.5)  # long enough for the others to find the build under way
        return {"accounts": [{"username": "wangli"}], "build": len(calls)}

    monkeypatch.setattr(embedded, "_run_init_demo", run)
    return calls


def test_processes_sharing_a_folder_build_the_template_once(
        tmp_path: Path, fake_init_demo: list[str]) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    path = folder / "demo-0.db"
    results: list[tuple[Path, dict[str, Any]]] = []
    threads = [threading.Thread(target=lambda: results.append(
        embedded._shared_template(path, None, {}))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(fake_init_demo) == 1
    assert len(results) == 4 and all(info["build"] == 1 for _, info in results)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    # Nothing but the template, its info and no lock is left in the folder.
    assert sorted(p.name for p in folder.iterdir()) == ["demo-0.db", "demo-0.json"]


def test_the_template_is_not_visible_until_complete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    path = folder / "demo-0.db"

    def failing(db_url: str, scale: int | None, env: dict[str, str]) -> dict[str, Any]:
        Path(db_url[len("sqlite:///"):]).write_bytes(b"half a database")
        raise embedded.PlatformError("init-demo failed (1): disk full")

    monkeypatch.setattr(embedded, "_run_init_demo", failing)
    with pytest.raises(embedded.PlatformError, match="disk full"):
        embedded._shared_template(path, None, {})
    assert list(folder.iterdir()) == []  # no template, no half file, no lock


def test_a_builder_that_died_holding_the_lock_does_not_block_for_ever(
        tmp_path: Path, fake_init_demo: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo-0.db"
    # Left by a demo closed during its first start: no process has that pid any more.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path.with_suffix(".lock").write_text(str(dead.pid))
    started = time.monotonic()
    _, info = embedded._shared_template(path, None, {})
    assert info["build"] == 1 and path.exists()
    assert time.monotonic() - started < 5  # not the 300 s a live builder is given


def test_a_lock_without_a_pid_waits_its_time_then_is_taken_over(
        tmp_path: Path, fake_init_demo: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo-0.db"
    path.with_suffix(".lock").touch()  # a builder that hangs, or a foreign lock
    monkeypatch.setattr(embedded, "SHARED_BUILD_WAIT", 0.5)
    _, info = embedded._shared_template(path, None, {})
    assert info["build"] == 1 and path.exists()


def test_the_demo_template_follows_the_code_and_the_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "server").mkdir(parents=True)
    (repo / "protocol").mkdir()
    (repo / "server" / "build.py").write_text("STORY = 1\n")
    monkeypatch.setattr(embedded, "REPO_ROOT", repo)
    first = embedded.demo_fingerprint()
    assert embedded.demo_fingerprint() == first
    (repo / "server" / "build.py").write_text("STORY = 2\n")  # the demo's code changed
    changed = embedded.demo_fingerprint()
    assert changed != first

    class Tomorrow(embedded.datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return embedded.datetime(2031, 5, 6, 9, 0, tzinfo=tz)

    monkeypatch.setattr(embedded, "datetime", Tomorrow)
    assert embedded.demo_fingerprint().startswith("2031-05-06-")
    assert embedded.demo_fingerprint() != changed


def test_the_demo_cache_keeps_only_the_current_template(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "demo_fingerprint", lambda: "2031-05-06-abc")
    root = tmp_path / "demo-county"
    (root / "2031-05-05-abc").mkdir(parents=True)  # yesterday's
    (root / "2031-05-06-old").mkdir()  # today's, of code since changed
    (root / "2031-05-06-abc").mkdir()
    (root / "stray.db").write_bytes(b"x")
    folder = embedded.demo_template_cache(root)
    assert folder == root / "2031-05-06-abc"
    assert [p.name for p in root.iterdir()] == ["2031-05-06-abc"]
    # A first demo on a machine: nothing there yet, nothing to prune.
    assert embedded.demo_template_cache(tmp_path / "none") == tmp_path / "none" / "2031-05-06-abc"


def test_a_damaged_template_info_is_rebuilt(tmp_path: Path, fake_init_demo: list[str]) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    path = folder / "demo-0.db"
    path.write_bytes(b"")
    path.with_suffix(".json").write_text('{"accounts": [')  # cut short by a full disk
    _, info = embedded._shared_template(path, None, {})
    assert info["build"] == 1 and len(fake_init_demo) == 1
