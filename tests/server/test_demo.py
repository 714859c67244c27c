"""`python -m server init-demo`: the demo county 富锦市 that the demo and the tests build on.

The county is built once per module with the real command line, served by a real
platform process, and inspected through each account's change feed as a client would.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import requests

from client.canonical import document_digest, signoff_message
from client.signing import verify_signature_object
from server.embedded import EmbeddedPlatform
from tests.support.services import require_service

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Fujin@2005"
TIMEOUT = 30

# docs/contracts.md "Demo county": username -> (name, roles, unit, title).
FIXED = {
    "admin": ("系统管理员", ["admin"], "市信息中心", "网络管理员"),
    "wangli": ("王丽", ["clerk"], "市政府办公室", "文书（收文登记）"),
    "liuyang": ("刘洋", ["staff"], "市政府办公室", "办公室主任（拟办）"),
    "zhangjianguo": ("张建国", ["leader"], "市政府", "市长"),
    "lihua": ("李华", ["leader"], "市政府", "副市长"),
    "chenming": ("陈明", ["staff"], "市财政局", "局长"),
    "zhouqiang": ("周强", ["staff"], "市财政局", "科员"),
    "zhaoxin": ("赵欣", ["publisher"], "市政府办公室", "信息科科长"),
    "sunhaitao": ("孙海涛", ["staff"], "砚山镇", "镇长"),
    "zhengwei": ("郑伟", ["staff"], "长安镇", "党政办主任"),
}
TOWNS = ["富锦镇", "长安镇", "砚山镇", "头林镇", "兴隆岗镇", "宏胜镇", "向阳川镇", "二龙山镇",
         "上街基镇", "锦山镇", "大榆树镇"]
DOC_TYPES = {"决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
             "请示", "批复", "议案", "函", "纪要"}


def init_demo(db: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
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
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
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
        assert feed.pending_tasks(), f"{username} has nothing to do"
    roles_with_work = {r for f in feeds.values() if f.pending_tasks() for r in f.user["roles"]}
    assert roles_with_work == {"admin", "clerk", "leader", "staff", "publisher"}


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
        assert op["signed_at"].startswith("2005-") or op["signed_at"].startswith("2004-")
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
    assert query(db, "SELECT count(*) FROM document WHERE doc_number = '佳政函〔2004〕85号'")[0][0]
    assert query(db, "SELECT count(*) FROM document WHERE doc_number = '黑政发〔2005〕12号'")[0][0]
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
    doc = next(d for d in wangli.of("document").values() if d["doc_number"] == "佳政函〔2004〕85号")
    assert doc["body"]["media_type"] == "application/pdf"
    r = wangli.http.get(f"{wangli.base_url}/api/v1/blobs/{doc['body']['sha256']}", timeout=TIMEOUT)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        require_service("pdftotext (poppler-utils) to read the PDF text")
    path = tmp_path / "body.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    for words in ("佳木斯市人民政府", "佳政函〔2004〕85号", "网络与信息安全", "2004年12月16日"):
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
    base = 48
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

    proc = init_demo(db, "--force", "--json")
    assert proc.returncode == 0, proc.stderr
    assert query(db, "SELECT count(*) FROM document")[0][0] == base
    assert query(db, "SELECT count(*) FROM sync_object WHERE type = 'document'")[0][0] == base
    assert query(db, "SELECT instance_id FROM meta")[0][0] != instance
    assert json.loads(proc.stdout)["accounts"][0]["username"] == "admin"


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
        assert count("SELECT count(*) FROM document") == 48 + 50
        assert count("SELECT count(*) FROM sync_object WHERE type = 'document'") == 48 + 50
        proc = init_demo(url)
        assert proc.returncode == 1 and "--force" in proc.stderr
        instance = count("SELECT instance_id FROM meta")
        proc = init_demo(url, "--force")
        assert proc.returncode == 0, proc.stderr
        assert count("SELECT count(*) FROM document") == 48
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
