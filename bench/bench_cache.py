"""Benchmark of the local cache: build a large encrypted cache, then time search and paging.

    .venv/bin/python bench/bench_cache.py [--documents 100000] [--keep DIR]

Prints the build time, median/p95 of searches (2-character words, longer words and
single characters) and inbox pages (first, deep keyset pages, filtered, 待办), and the
size of the cache on disk. Targets on 100,000 documents: search p95 <= 20 ms for
queries of 2+ characters, inbox page p95 <= 10 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client import models  # noqa: E402
from client.db import close_cache, open_cache  # noqa: E402
from client.services import search  # noqa: E402
from client.services.inbox import InboxService  # noqa: E402
from client.sync import apply  # noqa: E402
from client.types import InboxFilters, InboxSort, InboxView  # noqa: E402
from protocol.canonical import document_digest  # noqa: E402

ME = "zhangjianguo"
TOPICS = ["财政预算执行", "秋季防火", "防汛抗旱", "农业普查", "义务教育经费", "城乡低保", "安全生产",
          "招商引资", "医疗保险", "人事任免", "水利工程建设", "旅游资源开发", "科技信息化",
          "劳动和社会保障", "统计年报", "粮食收购", "道路交通", "环境保护", "党风廉政建设",
          "信访稳定", "森林资源管护", "新农村建设", "民政救灾", "土地征收", "住房公积金",
          "食品药品监管", "冬季供暖", "扶贫开发", "边境贸易", "计划生育"]
ACTIONS = ["关于做好{t}工作的", "关于{t}有关问题的", "关于下达{t}资金的", "关于加强{t}管理的",
           "关于{t}情况的", "关于开展{t}检查的", "关于印发{t}实施方案的"]
TYPES = ["通知", "通报", "请示", "报告", "批复", "意见", "函", "纪要", "决定"]
ISSUERS = ["佳木斯市人民政府", "佳木斯市财政局", "富锦市人民政府办公室", "富锦市财政局",
           "富锦市教育局", "富锦市民政局", "富锦市水务局", "富锦市统计局", "富锦市旅游局",
           "黑龙江省人民政府办公厅", "富锦市人事局", "富锦市劳动和社会保障局", "富锦市医保局",
           "富锦市科技与信息产业局"] + [f"{t}镇人民政府" for t in
                                         ["富锦", "长安", "砚山", "头林", "兴隆岗", "宏胜",
                                          "向阳川", "二龙山", "上街基", "锦山", "大榆树"]]
PREFIX = {"佳木斯市人民政府": "佳政", "佳木斯市财政局": "佳财", "黑龙江省人民政府办公厅": "黑政办"}
NOTES = ["请领导批示", "请各单位认真贯彻执行", "此件公开发布", "请于月底前报送", "", "", ""]
T0 = datetime(2003, 1, 1, tzinfo=UTC)


def rfc(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def make_document(i: int, rng: random.Random) -> dict:
    issuer = rng.choice(ISSUERS)
    doc_type = rng.choice(TYPES)
    title = rng.choice(ACTIONS).format(t=rng.choice(TOPICS)) + doc_type
    received = T0 + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
    doc = {
        "id": f"doc-{i:06}", "version": 1, "updated_at": rfc(received),
        "doc_number": f"{PREFIX.get(issuer, '富政')}{rng.choice('发函办')}〔{received.year}〕"
                      f"{rng.randrange(1, 300)}号",
        "issuer": issuer, "doc_type": doc_type, "title": title, "classification": "none",
        "urgency": rng.choices(["normal", "urgent", "very_urgent"], [90, 8, 2])[0],
        "signatory": "张建国", "main_recipients": ["各乡镇人民政府", "市政府各部门"], "cc": [],
        "issued_on": received.date().isoformat(), "notes": rng.choice(NOTES),
        "received_at": rfc(received), "registration_number": f"收〔{received.year}〕{i}号",
        "body": {"sha256": f"{i:064x}", "media_type": "application/pdf", "size": 50_000},
        "attachments": [], "status": "in_progress",
    }
    doc["digest"] = document_digest(doc)
    return doc


def build(n: int, rng: random.Random) -> float:
    changes = []
    for i in range(n):
        doc = make_document(i, rng)
        changes.append({"type": "document", "id": doc["id"], "op": "upsert", "data": doc})
        if i % 20 == 0:  # 5% of documents routed to me: pending, done or read tasks
            status = rng.choices(["pending", "done"], [1, 9])[0]
            kind = rng.choice(["instruct", "instruct", "read"])
            changes.append({"type": "task", "id": f"task-{i:06}", "op": "upsert", "data": {
                "id": f"task-{i:06}", "version": 1, "updated_at": doc["updated_at"],
                "document_id": doc["id"], "assignee_id": ME, "kind": kind, "status": status,
                "due_at": rfc(T0 + timedelta(days=rng.randrange(1200))) if rng.random() < .5
                else None, "created_by": "wangli"}})
    t = time.perf_counter()
    db = models.database_proxy.obj
    apply.validate_page(changes, "bench")
    with db.atomic():  # one transaction for the whole build
        applier = apply._Applier(db, models.sync_state())
        applier.apply(changes)
    return time.perf_counter() - t


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(label: str, samples: list[float]) -> None:
    p95 = statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)
    print(f"  {label:<44} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="build the cache in this folder and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="govdesk-bench-"))
    path = folder / "cache.db"
    if path.exists():
        sys.exit(f"{path} exists; pass an empty folder")
    key = os.urandom(32)
    db = open_cache(path, key)
    if args.keep:
        # A throwaway benchmark cache: keep its key beside it to inspect it later.
        (folder / "cache.key").write_text(key.hex())
    apply.set_identity(user_id=ME)
    rng = random.Random(2005)
    print(f"building {args.documents:,} documents ...", flush=True)
    seconds = build(args.documents, rng)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute_sql("PRAGMA optimize")
    size = sum(p.stat().st_size for p in folder.glob("cache.db*"))
    print(f"  built in {seconds:.1f} s; cache on disk {size / 2**20:.1f} MiB")

    inbox = InboxService(ME)
    print("search (inbox 收文 view, newest first, first page of 50):")
    for words in (["通知", "财政", "批示", "防汛", "教育", "镇人"], ["防火工作", "义务教育经费",
                                                              "富锦市财政局", "2004"],
                  ["财", "汛"]):
        samples: list[float] = []
        for w in words:
            f = InboxFilters(text=w)
            samples += timed(lambda f=f: inbox.page(InboxView.RECEIVED, f, limit=50), 10)
        report(f"{len(words[0])}-char {'/'.join(words[:3])}...", samples)
    samples = []
    for w in ["通知", "财政", "批示", "防汛", "教育"]:
        samples += timed(lambda w=w: search.search(w, limit=50), 10)
    report("search service top 50 (bm25, or newest if many)", samples)
    samples = []
    for w in ["通知", "财政", "批示"]:
        f = InboxFilters(text=w)
        samples += timed(lambda f=f: inbox.count(InboxView.RECEIVED, f), 5)
    report("count of matches 2-char", samples)

    print("inbox pages (50 rows):")
    report("收文 first page", timed(lambda: inbox.page(InboxView.RECEIVED), 50))
    # Deep keyset pages: positions from the middle and the end.
    keys = []
    after = None
    for _ in range(0, args.documents // 50, max(1, args.documents // 50 // 20)):
        page = inbox.page(InboxView.RECEIVED, after=after, limit=50)
        keys.append(page.next_after)
        after = page.next_after
    tail = inbox.page(InboxView.RECEIVED, sort=InboxSort.RECEIVED, limit=50)
    deep: list[float] = []
    walker = None
    # Walk to the very end once (keyset), timing every page.
    pages = 0
    while True:
        t = time.perf_counter()
        page = inbox.page(InboxView.RECEIVED, after=walker, limit=50)
        deep.append((time.perf_counter() - t) * 1000)
        pages += 1
        if page.next_after is None:
            break
        walker = page.next_after
    report(f"收文 every page to the end ({pages} pages)", deep)
    del tail, keys
    for label, view, f, sort in [
        ("收文 urgent+very_urgent", InboxView.RECEIVED,
         InboxFilters(urgency=("urgent", "very_urgent")), InboxSort.RECEIVED),
        ("收文 doc_type=请示 issuer=富锦市财政局", InboxView.RECEIVED,
         InboxFilters(doc_type=("请示",), issuer="富锦市财政局"), InboxSort.RECEIVED),
        ("收文 unread, sort by urgency", InboxView.RECEIVED,
         InboxFilters(unread_only=True), InboxSort.URGENCY),
        ("收文 sort by 文号", InboxView.RECEIVED, InboxFilters(), InboxSort.DOC_NUMBER),
        ("收文 2005 only + text 财政", InboxView.RECEIVED,
         InboxFilters(received_from=datetime(2005, 1, 1, tzinfo=UTC), text="财政"),
         InboxSort.RECEIVED),
        ("待办 by due date", InboxView.TODO, InboxFilters(), InboxSort.DUE),
        ("已办", InboxView.DONE, InboxFilters(), InboxSort.RECEIVED),
    ]:
        report(label, timed(lambda v=view, f=f, s=sort: inbox.page(v, f, sort=s), 30))
    report("count 收文 (all rows)", timed(lambda: inbox.count(InboxView.RECEIVED), 10))
    report("badges (all views, one call)", timed(lambda: inbox.badges(), 10))
    close_cache(db)
    if args.keep is None:
        for p in folder.glob("cache.*"):
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
