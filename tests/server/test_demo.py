"""`python -m server init-demo`: the demo county 富锦市 that the demo and the tests build on.

The county is built once per module with the real command line, served by a real
platform process, and inspected through each account's change feed as a client would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import pytest
import requests

from protocol.canonical import document_digest, signoff_message
from protocol.signing import verify_signature_object
from server.embedded import EmbeddedPlatform
from server.issuing.gbt9704_fonts import ROLES
from tests.support.services import require_service

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Fujin@2005"
TIMEOUT = 30

# docs/contracts.md "Demo county": username -> (name, roles, unit, title).
FIXED = {
    "admin": ("系统管理员", ["admin"], "市信息中心", "网络管理员"),
    "wangli": ("王丽", ["clerk"], "市政府办公室", "文书（收文登记）"),
    "liuyang": ("刘洋", ["staff", "reviewer"], "市政府办公室", "办公室主任（拟办、核稿）"),
    "zhangjianguo": ("张建国", ["leader"], "市政府", "市长"),
    "lihua": ("李华", ["leader"], "市政府", "副市长"),
    "chenming": ("陈明", ["staff"], "市财政局", "局长"),
    "zhouqiang": ("周强", ["staff"], "市财政局", "科员"),
    "zhaoxin": ("赵欣", ["publisher"], "市政府办公室", "信息科科长"),
    "sunhaitao": ("孙海涛", ["staff"], "砚山镇", "镇长"),
    "zhengwei": ("郑伟", ["staff"], "长安镇", "党政办主任"),
    "hljsheng": ("省政府办公厅收发", ["exchange"], "黑龙江省人民政府办公厅", "公文交换"),
    "jmsshi": ("佳木斯市政府办收发", ["exchange"], "佳木斯市人民政府办公室", "公文交换"),
}
EXCHANGE_ACCOUNTS = ("hljsheng", "jmsshi")
TOWNS = ["富锦镇", "长安镇", "砚山镇", "头林镇", "兴隆岗镇", "宏胜镇", "向阳川镇", "二龙山镇",
         "上街基镇", "锦山镇", "大榆树镇"]
DOC_TYPES = {"决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
             "请示", "批复", "议案", "函", "纪要"}


def init_demo(db: Path | str, *args: str,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "server", "init-demo", "--db", str(db), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(sql, params).fetchall()


class Feed:
    """One signed-in account and everything its change feed shows."""

    def __init__(self, base_url: str, username: str, device: str = "feed") -> None:
        self.base_url = base_url
        self.http = requests.Session()
        r = self.http.post(f"{base_url}/api/v1/auth/login", timeout=TIMEOUT, json={
            "username": username, "password": PASSWORD, "device_id": f"{device}-{username}",
            "device_name": "测试机"})
        assert r.status_code == 200, r.text
        self.user = r.json()["user"]
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1000}
            if cursor:
                params["cursor"] = cursor
            r = self.http.get(f"{base_url}/api/v1/changes", params=params, timeout=TIMEOUT)
            assert r.status_code == 200, r.text
            page = r.json()
            for ch in page["changes"]:
                bucket = self.objects.setdefault(ch["type"], {})
                if ch["op"] == "upsert":
                    bucket[ch["id"]] = ch["data"]
                else:
                    bucket.pop(ch["id"], None)
            cursor = page["cursor"]
            if not page["has_more"]:
                break

    def of(self, obj_type: str) -> dict[str, dict[str, Any]]:
        return self.objects.get(obj_type, {})

    def pending_tasks(self) -> list[dict[str, Any]]:
        return [t for t in self.of("task").values()
                if t["assignee_id"] == self.user["id"] and t["status"] == "pending"]


@pytest.fixture(scope="module")
def demo_built_at() -> datetime:
    """When the module's demo county is built (just before init-demo starts): its story
    ends on this day, not on the day a later test happens to run — a run that crosses
    midnight China time would otherwise compare the demo with tomorrow's calendar."""
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory,
         demo_built_at: datetime) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("demo") / "platform.db"
    proc = init_demo(db, "--json")
    assert proc.returncode == 0, proc.stderr
    return db, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def demo_platform(demo: tuple[Path, dict[str, Any]]) -> Iterator[EmbeddedPlatform]:
    with EmbeddedPlatform(demo[0], demo=False) as platform:
        yield platform


@pytest.fixture(scope="module")
def feeds(demo_platform: EmbeddedPlatform) -> dict[str, Feed]:
    return {name: Feed(demo_platform.base_url, name) for name in FIXED}


def test_json_output_lists_the_fixed_accounts(demo: tuple[Path, dict[str, Any]]) -> None:
    _db, info = demo
    assert set(info) == {"accounts"}
    accounts = {a["username"]: a for a in info["accounts"]}
    assert len(accounts) == len(info["accounts"])  # no duplicate user names
    for acc in info["accounts"]:
        assert {"username", "password", "display_name", "roles", "unit"} <= set(acc)
        assert acc["password"] == PASSWORD
    for username, (name, roles, unit, title) in FIXED.items():
        acc = accounts[username]
        assert (acc["display_name"], acc["roles"], acc["unit"], acc["title"]) == (
            name, roles, unit, title)
    units = {a["unit"] for a in info["accounts"]}
    assert set(TOWNS) <= units
    # Every town has a 镇长 and a 党政办 clerk.
    for town in TOWNS:
        people = [a for a in info["accounts"] if a["unit"] == town]
        assert any(a["title"] == "镇长" for a in people), town
        assert any("clerk" in a["roles"] for a in people), town


def test_table_output_is_readable(tmp_path: Path, demo: tuple[Path, dict[str, Any]]) -> None:
    from server.demo.build import format_accounts

    text = format_accounts(demo[1]["accounts"])
    assert PASSWORD in text
    for username, (name, *_rest) in FIXED.items():
        line = next(line for line in text.splitlines() if line.startswith(username + " "))
        assert name in line


def test_fixed_accounts_log_in(demo_platform: EmbeddedPlatform) -> None:
    units = {}
    for username, (name, roles, unit, _title) in FIXED.items():
        r = requests.post(f"{demo_platform.base_url}/api/v1/auth/login", timeout=TIMEOUT, json={
            "username": username, "password": PASSWORD, "device_id": "d", "device_name": "d"})
        assert r.status_code == 200, (username, r.text)
        user = r.json()["user"]
        assert (user["display_name"], user["roles"]) == (name, roles)
        units[user["unit_id"]] = unit
    wrong = requests.post(f"{demo_platform.base_url}/api/v1/auth/login", timeout=TIMEOUT, json={
        "username": "wangli", "password": "fujin@2005", "device_id": "d", "device_name": "d"})
    assert wrong.status_code == 401


def test_every_fixed_account_has_work_waiting(feeds: dict[str, Feed]) -> None:
    for username, feed in feeds.items():
        if username in EXCHANGE_ACCOUNTS:
            # An outside body's account has no tasks: it reads the 回执 of what it sent.
            sent = feed.of("delivery").values()
            assert sent and all(d["sender_id"] == feed.user["id"] for d in sent), username
            continue
        assert feed.pending_tasks(), f"{username} has nothing to do"
    roles_with_work = {r for f in feeds.values() if f.pending_tasks() for r in f.user["roles"]}
    assert roles_with_work == {"admin", "clerk", "leader", "staff", "publisher", "reviewer"}


def test_mayor_has_pending_instructions_including_very_urgent(feeds: dict[str, Feed]) -> None:
    mayor = feeds["zhangjianguo"]
    docs = mayor.of("document")
    instruct = [t for t in mayor.pending_tasks() if t["kind"] == "instruct"]
    assert len(instruct) >= 2
    assert any(docs[t["document_id"]]["urgency"] == "very_urgent" for t in instruct)
    # Pending work is due from today on (办理时限 make sense), not all overdue.
    assert any(t["due_at"] and t["due_at"] > mayor.http.get(
        f"{mayor.base_url}/api/v1/meta", timeout=TIMEOUT).json()["server_time"]
        for t in instruct)


def test_town_head_never_sees_another_towns_documents(feeds: dict[str, Feed]) -> None:
    unit_of = {u["id"]: u["name"] for u in feeds["sunhaitao"].of("unit").values()}
    sun, zheng = feeds["sunhaitao"], feeds["zhengwei"]
    sun_units = {unit_of[d["unit_id"]] for d in sun.of("document").values()}
    zheng_units = {unit_of[d["unit_id"]] for d in zheng.of("document").values()}
    assert "长安镇" in zheng_units and "砚山镇" in sun_units  # both towns have documents
    assert "长安镇" not in sun_units
    assert "砚山镇" not in zheng_units
    changan_docs = {i for i, d in zheng.of("document").items() if unit_of[d["unit_id"]] == "长安镇"}
    assert not changan_docs & set(sun.of("document"))
    assert not [t for t in sun.of("task").values() if t["document_id"] in changan_docs]
    assert not [o for o in sun.of("opinion").values() if o["document_id"] in changan_docs]


def _clerk_feeds(demo_platform: EmbeddedPlatform, demo: tuple[Path, dict[str, Any]]) -> list[Feed]:
    clerks = [a["username"] for a in demo[1]["accounts"] if "clerk" in a["roles"]]
    return [Feed(demo_platform.base_url, name, device="clerk") for name in clerks]


def test_every_opinion_signature_verifies(demo_platform: EmbeddedPlatform,
                                          demo: tuple[Path, dict[str, Any]]) -> None:
    docs: dict[str, dict[str, Any]] = {}
    opinions: dict[str, dict[str, Any]] = {}
    keys: dict[str, dict[str, Any]] = {}
    for feed in _clerk_feeds(demo_platform, demo):  # every document has its unit's clerks
        docs.update(feed.of("document"))
        opinions.update(feed.of("opinion"))
        keys.update(feed.of("key"))
    (total,) = query(demo[0], "SELECT count(*) FROM opinion")[0]
    assert total >= 80 and len(opinions) == total
    algorithms = set()
    for op in opinions.values():
        doc = docs[op["document_id"]]
        assert document_digest(doc) == doc["digest"] == op["document_digest"]
        sig = op["signature"]
        key = keys[sig["key_id"]]
        assert key["user_id"] == op["author_id"] and key["revoked_at"] is None
        fields = dict(
            task_id=op["task_id"], document_id=op["document_id"],
            document_digest=op["document_digest"], decision=op["decision"], text=op["text"],
            handwriting_sha256=(op["handwriting"] or {}).get("sha256"),
            forward_to=op["forward_to"], signer_id=op["author_id"], signed_at=op["signed_at"],
        )
        assert verify_signature_object(sig, key["public_key"], signoff_message(**fields)), op
        fields["text"] = op["text"] + "。"
        assert not verify_signature_object(sig, key["public_key"], signoff_message(**fields))
        algorithms.add(sig["algorithm"])
        assert op["signed_at"].endswith("+08:00")
    assert algorithms == {"ed25519", "sm2-sm3"}


def test_documents_cover_every_stage_type_and_format(feeds: dict[str, Feed],
                                                     demo: tuple[Path, dict[str, Any]]) -> None:
    db = demo[0]
    assert 40 <= query(db, "SELECT count(*) FROM document")[0][0] <= 60
    assert {r[0] for r in query(db, "SELECT DISTINCT doc_type FROM document")} == DOC_TYPES
    assert {r[0] for r in query(db, "SELECT DISTINCT status FROM document")} == {
        "registered", "in_progress", "completed", "archived"}
    assert {r[0] for r in query(db, "SELECT DISTINCT urgency FROM document")} == {
        "normal", "urgent", "very_urgent"}
    assert {r[0] for r in query(db, "SELECT DISTINCT kind FROM task WHERE status='pending'")} == {
        "propose", "instruct", "countersign", "handle", "read"}
    statuses = {r[0] for r in query(db, "SELECT DISTINCT status FROM task")}
    assert {"pending", "done", "returned"} <= statuses
    media = {json.loads(r[0])["media_type"] for r in query(db, "SELECT body FROM document")}
    assert "application/pdf" in media and any(m.startswith("text/plain") for m in media)
    assert query(db, "SELECT count(*) FROM document WHERE attachments != '[]'")[0][0] >= 5
    issuers = {r[0] for r in query(db, "SELECT issuer FROM document")}
    assert {"黑龙江省人民政府", "佳木斯市人民政府", "黑龙江省政务信息化管理服务中心"} <= issuers
    assert query(db, "SELECT count(*) FROM document WHERE doc_number LIKE '佳政函〔%〕85号'")[0][0]
    assert query(db, "SELECT count(*) FROM document WHERE doc_number LIKE '黑政发〔%〕12号'")[0][0]
    # The clerk has completed documents to archive.
    wangli = feeds["wangli"]
    assert any(d["status"] == "completed" for d in wangli.of("document").values())


def test_notices_and_receipts(feeds: dict[str, Feed], demo: tuple[Path, dict[str, Any]]) -> None:
    db = demo[0]
    notices = feeds["liuyang"].of("notice")
    assert any(n["urgent"] for n in notices.values())
    assert any(n["requires_ack"] for n in notices.values())
    assert any(n["attachments"] for n in notices.values())
    assert any(not n["attachments"] for n in notices.values())
    assert any(n["expired"] for n in notices.values())
    assert any(not n["expired"] for n in notices.values())
    withdrawn = {r[0] for r in query(db, "SELECT id FROM notice WHERE withdrawn_at IS NOT NULL")}
    assert len(withdrawn) == 1
    for feed in feeds.values():
        assert not withdrawn & set(feed.of("notice"))
    assert query(db, "SELECT count(*) FROM receipt WHERE kind = 'ack'")[0][0] > 0
    # Towns get their own notices; the publisher sees the receipts of its notices.
    assert len(feeds["sunhaitao"].of("notice")) > len(feeds["chenming"].of("notice"))
    assert feeds["zhaoxin"].of("receipt")
    # zhaoxin has a requires_ack notice it has not acknowledged yet.
    acked = {r["notice_id"] for r in feeds["zhaoxin"].of("receipt").values()
             if r["user_id"] == feeds["zhaoxin"].user["id"] and r["kind"] == "ack"}
    assert [n for n in feeds["zhaoxin"].of("notice").values()
            if n["requires_ack"] and not n["expired"] and n["id"] not in acked]


def test_pdf_body_is_a_chinese_official_document(feeds: dict[str, Feed], tmp_path: Path) -> None:
    wangli = feeds["wangli"]
    doc = next(d for d in wangli.of("document").values()
               if d["doc_number"].startswith("佳政函〔") and d["doc_number"].endswith("〕85号"))
    assert doc["body"]["media_type"] == "application/pdf"
    r = wangli.http.get(f"{wangli.base_url}/api/v1/blobs/{doc['body']['sha256']}", timeout=TIMEOUT)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        require_service("pdftotext (poppler-utils) to read the PDF text")
    path = tmp_path / "body.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    y, m, d = (int(x) for x in doc["issued_on"].split("-"))
    # The 成文日期 printed is the moved issue date, and the number carries its year.
    for words in ("佳木斯市人民政府", f"佳政函〔{y}〕85号", "网络与信息安全", f"{y}年{m}月{d}日",
                  "抄送："):
        assert words in text.replace(" ", ""), words


def test_rerun_on_a_filled_database_refuses(demo: tuple[Path, dict[str, Any]]) -> None:
    db = demo[0]
    before = query(db, "SELECT (SELECT count(*) FROM user), (SELECT count(*) FROM document),"
                       " (SELECT seq FROM meta)")
    proc = init_demo(db)
    assert proc.returncode == 1
    assert "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert query(db, "SELECT (SELECT count(*) FROM user), (SELECT count(*) FROM document),"
                     " (SELECT seq FROM meta)") == before


def test_scale_adds_documents_and_force_rebuilds(tmp_path: Path) -> None:
    db = tmp_path / "scale.db"
    proc = init_demo(db, "--scale", "200", "--json")
    assert proc.returncode == 0, proc.stderr
    base = 55  # 48 registered from paper, 7 received (签收) through the exchange
    assert query(db, "SELECT count(*) FROM document")[0][0] == base + 200
    # The change feed carries every document.
    assert query(db, "SELECT count(*) FROM sync_object WHERE type = 'document'")[0][0] == base + 200
    docs = [json.loads(r[0]) for r in query(db, "SELECT data FROM sync_object WHERE type='document'")]
    assert all(document_digest(d) == d["digest"] for d in docs)
    # Each generated document reaches its unit's clerks and its proposer.
    (unseen,) = query(db, "SELECT count(*) FROM task t WHERE NOT EXISTS (SELECT 1 FROM feed_entry f"
                          " WHERE f.key = 'task:' || t.id AND f.user_id = t.assignee_id)")[0]
    assert unseen == 0
    # A few were routed on through real, signed sign-offs.
    assert query(db, "SELECT count(*) FROM opinion")[0][0] > 130
    (instance,) = query(db, "SELECT instance_id FROM meta")[0]

    # Rebuilt as on a machine with Python alone, without the GB/T 9704 font packages: the
    # demo's PDFs, those it issues through the exchange too, fall back to STSong-Light.
    missing = {f"GOVDESK_PDF_FONT_{role.upper()}": str(tmp_path / f"no-{role}.ttf")
               for role in ROLES}
    proc = init_demo(db, "--force", "--json", env=missing)
    assert proc.returncode == 0, proc.stderr
    assert "using the unembedded STSong-Light" in proc.stderr
    assert query(db, "SELECT count(*) FROM document")[0][0] == base
    assert query(db, "SELECT count(*) FROM sync_object WHERE type = 'document'")[0][0] == base
    assert query(db, "SELECT instance_id FROM meta")[0][0] != instance
    assert json.loads(proc.stdout)["accounts"][0]["username"] == "admin"


def test_scale_unit_office_gives_the_county_office_clerk_every_document(tmp_path: Path) -> None:
    """The full-visibility user of bench/bench_sync.py --all-visible."""
    db = tmp_path / "office.db"
    proc = init_demo(db, "--scale", "120", "--scale-unit", "office", "--json")
    assert proc.returncode == 0, proc.stderr
    (total,) = query(db, "SELECT count(*) FROM document")[0]
    (seen,) = query(db, "SELECT count(DISTINCT key) FROM feed_entry WHERE user_id = 'u-wangli'"
                        " AND key LIKE 'document:%' AND op = 'upsert'")[0]
    assert total == 55 + 120 and seen >= 120  # 48 from paper + 7 received (签收)


def test_bad_database_gets_a_clear_error_and_is_left_alone(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database\n" * 100)
    proc = init_demo(corrupt)
    assert proc.returncode == 1
    assert "not a database" in proc.stderr and "Traceback" not in proc.stderr
    assert corrupt.read_bytes() == b"this is not a database\n" * 100

    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    proc = init_demo(missing)
    assert proc.returncode == 1 and "cannot use the database" in proc.stderr

    proc = init_demo(tmp_path / "neg.db", "--scale", "-1")
    assert proc.returncode == 2


def test_bulk_registration_matches_one_by_one(tmp_path: Path) -> None:
    """`register_documents_bulk` (used by --scale) writes what `register_document` does."""
    from datetime import UTC, datetime, timedelta

    from server import directory, workflow
    from server.db import close_database, init_database
    from server.feed import visible_keys
    from server.models import SyncObject

    init_database("sqlite:///" + str(tmp_path / "bulk.db"))
    try:
        directory.create_unit("砚山镇", "town", unit_id="ys")
        clerk = directory.create_user("clerk", PASSWORD, "文书", "ys", ["clerk"])
        head = directory.create_user("head", PASSWORD, "镇长", "ys", ["staff"])
        other = directory.create_user("other", PASSWORD, "他人", "ys", ["staff"])
        received = datetime(2005, 11, 2, 1, 30, tzinfo=UTC)
        due = received + timedelta(days=10)
        meta = {"doc_number": "富民发〔2005〕27号", "issuer": "富锦市民政局", "doc_type": "通知",
                "title": "关于做好冬季救助工作的通知", "issued_on": "2005-11-01",
                "urgency": "urgent", "main_recipients": ["各镇人民政府"]}
        one = workflow.register_document(
            clerk, meta=meta, body_bytes="正文".encode(), body_media_type="text/plain",
            propose_to=[head.id], due_at=due, received_at=received, unit_id="ys")
        (bulk_id,) = workflow.register_documents_bulk(clerk, "ys", [workflow.BulkDocument(
            meta=meta, body_bytes="正文".encode(), body_media_type="text/plain",
            propose_to=[head.id], due_at=due, received_at=received)])

        def feed_json(obj_type: str, document_id: str) -> dict[str, Any]:
            rows = [json.loads(r.data) for r in SyncObject.select().where(SyncObject.type == obj_type)]
            (found,) = [r for r in rows if (r["id"] if obj_type == "document"
                                             else r["document_id"]) == document_id]
            return found

        ignore = {"id", "document_id", "registration_number", "updated_at", "created_at"}
        for obj_type in ("document", "task"):
            a, b = feed_json(obj_type, one.id), feed_json(obj_type, bulk_id)
            assert {k: v for k, v in a.items() if k not in ignore} == {
                k: v for k, v in b.items() if k not in ignore}
        # The bulk path continues the unit's 收文编号 sequence.
        first = feed_json("document", one.id)["registration_number"]
        assert first.endswith("〔2005〕1号")
        assert feed_json("document", bulk_id)["registration_number"] == first[:-2] + "2号"
        for user, sees in ((clerk, True), (head, True), (other, False)):
            keys = visible_keys(user.id)
            assert (f"document:{bulk_id}" in keys) is sees
            assert (f"document:{one.id}" in keys) is sees
    finally:
        close_database()


@pytest.mark.postgres
def test_postgresql_build_refuse_and_force(pg_url: str) -> None:
    import psycopg2

    from tests.support.postgres import fresh_pg_database

    with fresh_pg_database(pg_url) as url:
        def count(sql: str) -> Any:
            with closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchone()[0]

        proc = init_demo(url, "--scale", "50", "--json")
        assert proc.returncode == 0, proc.stderr
        assert count("SELECT count(*) FROM document") == 55 + 50  # 48 + 7 received (签收)
        assert count("SELECT count(*) FROM sync_object WHERE type = 'document'") == 55 + 50
        proc = init_demo(url)
        assert proc.returncode == 1 and "--force" in proc.stderr
        instance = count("SELECT instance_id FROM meta")
        proc = init_demo(url, "--force")
        assert proc.returncode == 0, proc.stderr
        assert count("SELECT count(*) FROM document") == 55
        assert count("SELECT instance_id FROM meta") != instance


def test_pdf_layout_breaks_lines_the_chinese_way(tmp_path: Path) -> None:
    """Long paragraphs flow over pages; no line starts with closing punctuation (禁则)."""
    from server.demo.pdf import OfficialDocument, render_pdf

    sentence = "为进一步加强网络与信息安全工作，切实提高防护能力，现通知如下：各单位要落实责任，" * 3
    doc = OfficialDocument(
        issuer="富锦市人民政府办公室", doc_number="富政办发〔2005〕99号",
        title="富锦市人民政府办公室关于测试长段落排版的通知", date_text="2005年11月30日",
        paragraphs=[sentence * 12 + "全文完。"] + [sentence] * 6, main_recipients=["各镇人民政府"],
        signatory="", urgency="very_urgent", attachments=["统计表", "名单"],
        notes="此件公开发布", cc=["市委办公室"], printer="富锦市人民政府办公室",
    )
    data = render_pdf(doc)
    assert data.startswith(b"%PDF") and data == render_pdf(doc)  # deterministic
    if shutil.which("pdftotext") is None:
        require_service("pdftotext (poppler-utils) to read the PDF text")
    path = tmp_path / "long.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 3
    flat = text.replace(" ", "").replace("\n", "")
    assert "全文完。" in flat and "特急" in flat and "抄送：市委办公室。" in flat
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert not [line for line in lines if line[0] in "，。、；：）》"], lines


# --- the story lives in the present ----------------------------------------------------------

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
# Deadlines lie ahead by nature; every other time is something that happened.
_FUTURE_KEYS = ("due_at", "expires_at")


def _times(db: Path) -> list[tuple[str, datetime]]:
    """(type.key, time) of every timestamp in the change feed's objects."""
    out: list[tuple[str, datetime]] = []

    def walk(obj_type: str, key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(obj_type, k, v)
        elif isinstance(value, list):
            for v in value:
                walk(obj_type, key, v)
        elif isinstance(value, str) and _TIME.match(value) and key not in _FUTURE_KEYS:
            out.append((f"{obj_type}.{key}", datetime.fromisoformat(value)))

    for obj_type, data in query(db, "SELECT type, data FROM sync_object WHERE data IS NOT NULL"):
        walk(obj_type, "", json.loads(data))
    return out


def _assert_history_in_office_hours(db: Path, now: datetime) -> None:
    from server.demo.timeline import CST, is_working_day

    times = _times(db)
    assert len(times) > 1000
    for key, t in times:
        local = t.astimezone(CST)
        assert local.utcoffset() == timedelta(hours=8)
        assert now - timedelta(days=400) <= t <= now, (key, t, now)
        assert is_working_day(local.date()), (key, local)
        assert dtime(8, 0) <= local.time() <= dtime(17, 30), (key, local)


def _assert_numbers_follow_dates(db: Path) -> None:
    from server.demo.timeline import CST

    rows = query(db, "SELECT doc_number, issued_on, registration_number, received_at, title,"
                     " doc_type, signatory, main_recipients FROM document")
    assert rows
    for number, issued_on, reg, received_at, title, doc_type, signatory, recipients in rows:
        issued = date.fromisoformat(issued_on)
        received = datetime.fromisoformat(received_at).replace(tzinfo=UTC).astimezone(CST)
        assert re.search(r"〔(\d{4})〕", number).group(1) == str(issued.year), (number, issued)
        assert re.search(r"〔(\d{4})〕", reg).group(1) == str(received.year), (reg, received)
        assert issued <= received.date(), (number, issued, received)
        # Years written in titles (2005年秋收, 2004年度) moved with the document.
        for year in re.findall(r"(\d{4})年", title):
            assert abs(int(year) - issued.year) <= 1, (title, issued)
        if doc_type in ("请示", "报告"):  # 上行文 name their 签发人 (GB/T 9704)
            assert signatory, number
        if doc_type in ("通知", "请示", "函", "批复"):
            assert json.loads(recipients), number


def test_history_is_dated_up_to_today_in_office_hours(demo: tuple[Path, dict[str, Any]]) -> None:
    _assert_history_in_office_hours(demo[0], datetime.now(UTC))


def test_numbers_and_dates_agree(feeds: dict[str, Feed], demo: tuple[Path, dict[str, Any]]) -> None:
    _assert_numbers_follow_dates(demo[0])
    wangli = feeds["wangli"]
    docs = wangli.of("document")
    # The 函 from 同江市 is addressed to the county government; provincial 通知 copy others.
    letter = next(d for d in docs.values() if d["issuer"] == "同江市人民政府")
    assert letter["main_recipients"] == ["富锦市人民政府"]
    assert any(d["cc"] for d in docs.values() if d["issuer"].startswith("黑龙江省"))
    # The mayor's instruction cites 佳政函〔…〕85号 with the year the notice now carries.
    notice85 = next(d for d in docs.values()
                    if d["doc_number"].startswith("佳政函〔") and d["doc_number"].endswith("〕85号"))
    texts = [o["text"] for o in wangli.of("opinion").values() if o["document_id"] == notice85["id"]]
    assert any(notice85["doc_number"] in t for t in texts), texts
    assert notice85["issued_on"] < notice85["received_at"][:10] <= str(date.today())


def test_pending_work_is_recent_and_due_at_close_of_business(
        feeds: dict[str, Feed], demo_built_at: datetime) -> None:
    from server.demo.timeline import Timeline

    now = demo_built_at
    tl = Timeline(now)
    dues: dict[str, datetime] = {}
    for feed in feeds.values():
        docs = feed.of("document")
        for task in feed.pending_tasks():
            if task["kind"] == "read":
                continue
            doc = docs[task["document_id"]]
            received = datetime.fromisoformat(doc["received_at"])
            assert now - received <= timedelta(days=90), (doc["doc_number"], received)
            assert task["due_at"].endswith("T17:30:00+08:00"), task["due_at"]
            due = datetime.fromisoformat(task["due_at"])
            assert received < due <= received + timedelta(days=35), (doc["doc_number"], due)
            dues[doc["id"]] = due
    assert len(dues) >= 15
    # A couple overdue by a working day or two, one due today, the rest ahead.
    overdue = [d for d in dues.values() if d < tl.due_from_today(0)]
    assert 1 <= len(overdue) <= 3
    assert all(d >= tl.due_from_today(-2) for d in dues.values())
    assert tl.due_from_today(0) in dues.values()
    assert len([d for d in dues.values() if d > tl.due_from_today(0)]) >= len(dues) - 3
    # The mayor's 特急 instruction is the one due today.
    mayor = feeds["zhangjianguo"]
    urgent = [t for t in mayor.pending_tasks()
              if mayor.of("document")[t["document_id"]]["urgency"] == "very_urgent"]
    assert [datetime.fromisoformat(t["due_at"]) for t in urgent] == [tl.due_from_today(0)]


def test_some_opinions_are_signed_by_hand(feeds: dict[str, Feed]) -> None:
    wangli = feeds["wangli"]
    signed = [o for o in wangli.of("opinion").values() if o["handwriting"]]
    assert len(signed) >= 3
    assert len({o["author_id"] for o in signed}) >= 3  # mayor, vice mayor, office director
    for sha in {o["handwriting"]["sha256"] for o in signed}:
        r = wangli.http.get(f"{wangli.base_url}/api/v1/blobs/{sha}", timeout=TIMEOUT)
        assert r.status_code == 200
        width, height, alpha = _decode_rgba_png(r.content)
        inked = sum(1 for a in alpha if a > 40)
        assert width > 2 * height and 0.01 < inked / (width * height) < 0.3


def _decode_rgba_png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the alpha channel of an 8-bit RGBA PNG (filter 0 rows)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert (depth, color) == (8, 6)
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = [raw[y * stride:(y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, b"".join(row[4::4] for row in rows)


def test_attachment_names_leave_the_label_to_the_ui(feeds: dict[str, Feed]) -> None:
    names = [a["name"] for n in feeds["liuyang"].of("notice").values() for a in n["attachments"]]
    names += [a["name"] for d in feeds["wangli"].of("document").values()
              for a in d["attachments"]]
    assert "病毒查杀操作说明.pdf" in names
    assert names and not [n for n in names if n.startswith("附件")]


@pytest.mark.parametrize("now_cst", [
    "2031-05-03T07:00",  # a Saturday in the May Day holiday, before office hours
    "2029-10-08T12:00",  # the first working day after 国庆
    "2027-02-15T20:00",  # a Monday evening, three months off the story's season
])
def test_the_calendar_works_whatever_the_date(now_cst: str) -> None:
    """Pure Timeline checks for dates far from the story's late November."""
    from server.demo import corpus
    from server.demo.timeline import CST, Timeline, is_working_day

    now = datetime.fromisoformat(now_cst).replace(tzinfo=CST).astimezone(UTC)
    tl = Timeline(now)
    assert tl.limit <= now
    for spec in corpus.documents():
        day = tl.day(spec.issued_on)
        assert is_working_day(day) and day <= tl.today
        assert tl.years(spec.issued_on) == day.year - int(spec.issued_on[:4])
    for notice in corpus.notices():
        t = tl.moment(notice.published_on)
        assert t <= tl.limit and is_working_day(t.astimezone(CST).date())
        later = tl.after(t, 30)
        assert t < later <= tl.limit
    today = tl.due_from_today(0).astimezone(CST)
    assert today.time() == dtime(17, 30) and is_working_day(today.date())
    assert tl.due_from_today(-1) < tl.due_from_today(0) < tl.due_from_today(1)


def test_shift_years_keeps_citations_and_product_names() -> None:
    from server.demo.timeline import shift_years

    numbers = {"佳政函〔2004〕85号": "佳政函〔2025〕85号"}
    text = "按佳政函〔2004〕85号要求，2005—2006年度升级江民KV2005，富政呈〔2005〕16号收悉。"
    assert shift_years(text, 21, numbers) == (
        "按佳政函〔2025〕85号要求，2026—2027年度升级江民KV2005，富政呈〔2026〕16号收悉。")
    assert shift_years("1260万元，0451-82628XXX", 21) == "1260万元，0451-82628XXX"


def test_demo_built_on_another_date_is_coherent(tmp_path: Path) -> None:
    """init-demo on a holiday weekend morning: nothing after that moment, office hours
    only, numbers matching the moved dates."""
    from server.db import close_database
    from server.demo.build import init_demo as build
    from server.demo.timeline import CST

    now = datetime(2031, 5, 3, 7, 0, tzinfo=CST).astimezone(UTC)
    db = tmp_path / "other-day.db"
    try:
        build("sqlite:///" + str(db), now=now)
    finally:
        close_database()
    _assert_history_in_office_hours(db, now)
    _assert_numbers_follow_dates(db)
    assert query(db, "SELECT count(*) FROM document WHERE doc_number LIKE '%〔2031〕%'")[0][0]


def test_outgoing_documents_and_the_exchange(feeds: dict[str, Feed],
                                             demo: tuple[Path, dict[str, Any]]) -> None:
    """发文 at every stage, towns waiting to 签收, a 请示 answered by a linked 批复, upper-level
    documents from the exchange accounts, series and seals, signed steps that verify."""
    from protocol import outgoing_rules
    from protocol.canonical import step_message

    db = demo[0]
    wangli = feeds["wangli"]
    outgoing = wangli.of("outgoing")
    assert {o["status"] for o in outgoing.values()} == set(outgoing_rules.STATUSES)
    assert any(o["current_version"] == 2 for o in outgoing.values())  # 核稿 with an edit
    # Work waiting on the 发文 route: the 办公室主任's 核稿, the mayor's 签发 (and a 催办).
    for username, kind in (("liuyang", "review"), ("zhangjianguo", "sign"), ("lihua",
                                                                             "countersign")):
        me = feeds[username].user["id"]
        assert any(s["kind"] == kind and s["status"] == "pending" and s["assignee_id"] == me
                   for s in feeds[username].of("outgoing_step").values()), username
    assert any(r["to_id"] == feeds["zhangjianguo"].user["id"]
               for r in feeds["zhangjianguo"].of("reminder").values())
    # Series with the cancelled number recorded as a gap.
    series = {s["prefix"]: s for s in wangli.of("doc_series").values()}
    assert series["富政办函"]["gaps"] and series["富政办函"]["gaps"][0]["number"] == 1
    units = {u["id"]: u for u in wangli.of("unit").values()}
    assert units["fujin-szfb"]["has_seal"]
    assert {s["prefix"] for s in units["fujin-szfb"]["series"]} >= {"富政发", "富政办发"}
    # Towns with documents waiting to be received, one refused with its reason.
    waiting = query(db, "SELECT DISTINCT recipient_unit_id FROM delivery WHERE status='pending'"
                        " AND recipient_unit_id LIKE 'fujin-town-%'")
    assert len(waiting) >= 5
    assert query(db, "SELECT reason FROM delivery WHERE status='refused'")[0][0]
    # Upper-level documents from 省 and 佳木斯市 in the county's box, one already received.
    boxed = [d for d in wangli.of("delivery").values() if d["outgoing_id"] is None]
    senders = {d["sender_unit_id"] for d in boxed}
    assert senders == {"ext-hlj-szfbgt", "ext-jms-szfb"}
    assert {d["status"] for d in boxed} == {"pending", "received"}
    # The 批复 is linked to the town's 请示 at both ends.
    (reply,) = [d for d in wangli.of("delivery").values() if d.get("in_reply_to")]
    assert reply["in_reply_to"] == "demo-out-ask"
    rows = query(db, "SELECT replies FROM outgoing WHERE id='demo-out-ask'")
    assert json.loads(rows[0][0]) == [reply["id"]]
    # Every signed step verifies against its signer's key.
    keys = {k["id"]: k for k in wangli.of("key").values()}
    signed = [s for s in wangli.of("outgoing_step").values() if s["signature"]]
    assert len(signed) >= 8
    for step in signed:
        message = step_message(
            step_id=step["id"], outgoing_id=step["outgoing_id"],
            outgoing_digest=step["outgoing_digest"], decision=step["decision"],
            text=step["text"],
            handwriting_sha256=(step["handwriting"] or {}).get("sha256"),
            signer_id=step["assignee_id"], signed_at=step["signed_at"])
        key = keys[step["signature"]["key_id"]]
        assert verify_signature_object(step["signature"], key["public_key"], message), step


def test_a_platform_on_a_given_database_removes_its_log_folder_on_close(tmp_path: Path) -> None:
    # Its log goes to a temporary folder of its own: closing must not leave it behind
    # (every test platform used to leave one in /tmp). The database itself stays.
    db = tmp_path / "platform.db"
    db.write_bytes(b"")
    platform = EmbeddedPlatform(db, demo=False)
    workdir = platform.workdir
    assert workdir.is_dir() and workdir != tmp_path
    platform.close()
    assert not workdir.exists()
    assert db.exists()
