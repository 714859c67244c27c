"""Platform schema migrations: a database made by the previous release (platform 0.1.0,
before schema versions; tests/server/fixtures/) upgrades to the current version with its
rows, on SQLite and PostgreSQL; `serve` refuses what is not migrated; a database newer
than the program is refused, never downgraded."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import peewee
import pytest
from fastapi.testclient import TestClient
from playhouse.migrate import SchemaMigrator

from server import migrations
from server.cli import main as cli_main
from server.db import close_database, database, init_database, open_database, redact_url
from tests.server.conftest import PASSWORD, bearer, login
from tests.support.postgres import fresh_pg_database

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SQLITE_RELEASE = FIXTURES / "platform-0.1.0.sqlite"
PG_RELEASE = FIXTURES / "platform-0.1.0.pg.sql"

# What the fixture script wrote (tests/server/fixtures/make_release_db.py).
RELEASE_USERS = {"u-clerk": "王文书", "u-proposer": "李主任", "u-mayor": "张县长",
                 "u-publisher": "赵科长"}
TABLES = ["meta", "unit", "user", "auth_session", "used_refresh_token", "login_failure",
          "blob", "blob_grant", "blob_ref", "document", "task", "opinion", "notice",
          "receipt", "signing_key", "applied_op", "sync_object", "feed_entry"]


def _load_pg_dump(url: str, dump: Path) -> None:
    """Restore a plain `pg_dump --inserts` file without psql: its `\\restrict` lines are
    psql meta-commands, everything else is SQL."""
    import psycopg2

    sql = "\n".join(line for line in dump.read_text(encoding="utf-8").splitlines()
                    if not line.startswith("\\"))
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@contextlib.contextmanager
def _scratch(request: pytest.FixtureRequest, backend: str, tmp_path: Path, name: str
             ) -> Iterator[str]:
    """An empty database URL on `backend` (PostgreSQL: created, dropped afterwards)."""
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path / f"{name}.db")
    else:
        with fresh_pg_database(request.getfixturevalue("pg_url")) as url:
            try:
                yield url
            finally:
                close_database()  # before the database is dropped


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def release_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path
                ) -> Iterator[str]:
    """A copy of the 0.1.0 database on `backend`, not yet opened."""
    if backend == "sqlite":
        path = tmp_path / "release.db"
        shutil.copyfile(SQLITE_RELEASE, path)
        yield "sqlite:///" + str(path)
    else:
        with _scratch(request, backend, tmp_path, "release") as url:
            _load_pg_dump(url, PG_RELEASE)
            yield url
    close_database()


def _counts() -> dict[str, int]:
    db = database.obj
    return {t: db.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}


def _schema() -> dict[str, Any]:
    """Columns, indexes and foreign keys of every platform table of the open database."""
    db = database.obj
    out: dict[str, Any] = {}
    for table in sorted(set(db.get_tables()) - {"schema_version"}):
        out[table] = {
            "columns": sorted((c.name, c.data_type.lower(), c.null, c.primary_key)
                              for c in db.get_columns(table)),
            "indexes": sorted((i.name, tuple(i.columns), i.unique)
                              for i in db.get_indexes(table)),
            "foreign_keys": sorted((f.column, f.dest_table, f.dest_column)
                                   for f in db.get_foreign_keys(table)),
        }
    return out


def _cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli_main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _versions() -> list[tuple[int, str]]:
    return [(r.version, r.name)
            for r in migrations.SchemaVersion.select().order_by(migrations.SchemaVersion.version)]


def test_migrations_are_numbered_one_by_one() -> None:
    assert [m.version for m in migrations.MIGRATIONS] == list(range(1, migrations.LATEST + 1))
    assert migrations.MIGRATIONS[0].name == "baseline"
    assert len({m.name for m in migrations.MIGRATIONS}) == migrations.LATEST


def test_release_database_is_recognised_as_the_baseline(release_url: str) -> None:
    open_database(release_url)
    assert migrations.schema_state(release_url) == migrations.SchemaState(1, stamped=False)
    with pytest.raises(migrations.SchemaTooOld, match="python -m server migrate --db"):
        init_database(release_url)


def test_release_database_migrates_with_its_rows(release_url: str) -> None:
    open_database(release_url)
    before = _counts()
    assert all(before.values()), before  # the fixture fills every table
    instance_id = database.obj.execute_sql("SELECT instance_id FROM meta").fetchone()[0]

    applied = migrations.migrate(release_url)

    assert [m.version for m in applied] == list(range(1, migrations.LATEST + 1))
    assert migrations.schema_state() == migrations.SchemaState(migrations.LATEST, stamped=True)
    assert _versions() == [(m.version, m.name) for m in migrations.MIGRATIONS]
    assert _counts() == before
    # The same platform instance: clients' cursors stay valid, nobody re-synchronises.
    assert database.obj.execute_sql("SELECT instance_id FROM meta").fetchone()[0] == instance_id
    from server.models import User

    assert {u.id: u.display_name for u in User.select()} == RELEASE_USERS
    init_database(release_url)  # now accepted


def test_migrated_release_has_the_schema_of_a_new_database(
    request: pytest.FixtureRequest, backend: str, release_url: str, tmp_path: Path
) -> None:
    """The baseline is exactly 0.1.0's schema, and server/models.py is exactly what the
    migrations leave (a model changed without a migration fails here)."""
    open_database(release_url)
    migrations.migrate(release_url)
    migrated = _schema()
    close_database()
    with _scratch(request, backend, tmp_path, "new") as url:
        init_database(url)
        assert _versions() == [(m.version, m.name) for m in migrations.MIGRATIONS]
        assert _schema() == migrated
        close_database()
    with _scratch(request, backend, tmp_path, "models") as url:
        from server.models import ALL_MODELS

        open_database(url).create_tables(ALL_MODELS)
        assert _schema() == migrated
        close_database()


def test_the_app_serves_a_migrated_release(release_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _cli("migrate", "--db", release_url, capsys=capsys)
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        "applied migration 1 baseline (tables already there: stamped)",
        *(f"applied migration {m.version} {m.name}" for m in migrations.MIGRATIONS[1:]),
        f"platform database now at version {migrations.LATEST}",
    ]
    close_database()
    from server.app import create_app

    with TestClient(create_app(release_url)) as http:
        proposer = bearer(login(http, "proposer", PASSWORD))
        page = http.get("/api/v1/changes", headers=proposer).json()
        titles = {c["data"]["title"] for c in page["changes"] if c["type"] == "document"}
        assert titles == {"关于做好秋季防火工作的通知"}
        # The receipt lookup the new index serves: a second 确认 keeps the first receipt.
        from server.models import Notice, Receipt

        notice = Notice.get()
        receipts = Receipt.select().count()
        mayor = bearer(login(http, "mayor", PASSWORD))
        r = http.post("/api/v1/ops", headers=mayor, json={"ops": [{
            "op_id": "op-ack-again", "type": "notice.ack",
            "data": {"notice_id": notice.id, "at": "2005-10-20T09:30:00+08:00"}}]})
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text
        assert Receipt.select().count() == receipts


def test_migrate_is_idempotent(release_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("migrate", "--db", release_url, capsys=capsys)[0] == 0
    rows = _versions()
    rc, out, err = _cli("migrate", "--db", release_url, capsys=capsys)
    assert (rc, out, err) == (0, f"platform database already at version {migrations.LATEST}\n",
                              "")
    assert _versions() == rows


def test_migrate_creates_a_new_database(sqlite_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _cli("migrate", "--db", sqlite_url, capsys=capsys)
    assert rc == 0
    assert out.splitlines()[0] == "applied migration 1 baseline"
    assert out.splitlines()[-1] == f"platform database now at version {migrations.LATEST}"
    from server.models import Meta

    assert Meta.get_by_id(1).seq == 0
    init_database(sqlite_url)


def test_receipt_lookup_uses_the_composite_index(release_url: str) -> None:
    from server.models import Receipt

    open_database(release_url)
    migrations.migrate(release_url)
    query = Receipt.select().where(Receipt.notice_id == "n", Receipt.user == "u",
                                   Receipt.kind == "ack")
    sql, params = query.sql()
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase):
        plan = " ".join(str(r) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    else:  # a table this small is read whole unless scans are priced out
        with db.atomic():
            db.execute_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params))
    assert "receipt_notice_id_user_id_kind" in plan, plan


def test_failed_migration_leaves_the_previous_version(
    release_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    open_database(release_url)
    migrations.migrate(release_url)
    latest = migrations.LATEST

    def half_done(db: peewee.Database, migrator: SchemaMigrator) -> None:
        from playhouse.migrate import migrate

        migrate(migrator.add_column("unit", "motto", peewee.TextField(null=True)))
        raise RuntimeError("disk full")

    broken = migrations.Migration(latest + 1, "broken", half_done)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "LATEST", latest + 1)
    rc, out, err = _cli("migrate", "--db", release_url, capsys=capsys)
    assert rc == 1 and out == ""
    assert err == (f"error: migration {latest + 1} broken failed, the database stays at "
                   f"schema version {latest}: disk full\n")
    assert migrations.schema_state().version == latest
    assert "motto" not in {c.name for c in database.obj.get_columns("unit")}


def test_newer_database_is_refused_not_downgraded(
    release_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    open_database(release_url)
    migrations.migrate(release_url)
    migrations.SchemaVersion.create(version=migrations.LATEST + 1, name="from_the_future",
                                    applied_at="2030-01-01 00:00:00", platform_version="9.0")
    rc, out, err = _cli("migrate", "--db", release_url, capsys=capsys)
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert f"schema version {migrations.LATEST + 1}, newer than version" in err
    assert "never downgrades" in err
    with pytest.raises(migrations.SchemaTooNew):
        init_database(release_url)
    assert migrations.schema_state().version == migrations.LATEST + 1


def test_a_foreign_database_is_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE document (id TEXT)")
    rc, out, err = _cli("migrate", "--db", str(path), capsys=capsys)
    assert rc == 2 and out == ""
    assert "is not a GovDesk platform database" in err
    assert database.obj.get_tables() == ["document"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(*argv: str, db_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GOVDESK_DB_URL", None)
    if db_env is not None:
        env["GOVDESK_DB_URL"] = db_env
    return subprocess.run([sys.executable, "-m", "server", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def test_serve_refuses_an_unmigrated_database_and_serves_it_migrated(release_url: str) -> None:
    serve = _server("serve", "--db", release_url, "--port", str(_free_port()))
    assert serve.returncode == 2, serve.stderr
    assert "Traceback" not in serve.stderr
    [line] = serve.stderr.splitlines()
    assert line.startswith("error: platform database schema version 1 (made before schema "
                           "versions, not yet stamped) is older than version")
    assert line.endswith(f"run python -m server migrate --db {redact_url(release_url)}")
    # migrate takes the URL from GOVDESK_DB_URL too, as serve does.
    migrate = _server("migrate", db_env=release_url)
    assert migrate.returncode == 0, migrate.stderr
    assert migrate.stdout.splitlines()[-1] == (
        f"platform database now at version {migrations.LATEST}")
    from server.embedded import EmbeddedPlatform

    with EmbeddedPlatform(release_url, demo=False) as platform:
        r = httpx.post(platform.base_url + "/api/v1/auth/login", timeout=30, json={
            "username": "mayor", "password": PASSWORD, "device_id": "after-upgrade"})
        assert r.status_code == 200, r.text
