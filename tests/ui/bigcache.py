"""A large real cache (encrypted SQLite, real schema) for the inbox model test and bench.

Rows go in with bulk inserts through the cache's own models; the full-text index is
left empty because neither the lazy-model test nor the scrolling bench searches.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from client import models
from client.db import close_cache, open_cache

ISSUERS = ("佳木斯市人民政府", "富锦市财政局", "富锦市教育局", "富锦市民政局", "富锦市水务局",
           "黑龙江省人民政府办公厅", "富锦市统计局", "富锦市旅游局")
TYPES = ("通知", "请示", "函", "报告", "意见", "通报", "批复", "纪要")
URGENCY = ("normal",) * 8 + ("urgent", "very_urgent")
ME = "u-zhangjianguo"


def build(path: Path, key: bytes, count: int, *, tasks_every: int = 1) -> None:
    db = open_cache(path, key)
    base = int(time.time()) - count * 60
    docs, tasks = [], []
    for i in range(count):
        doc_id = f"d{i:07d}"
        urgency = URGENCY[i % len(URGENCY)]
        number = f"富政发〔2005〕{i}号"
        title = f"关于{ISSUERS[i % len(ISSUERS)][:4]}第{i}号工作事项的{TYPES[i % len(TYPES)]}"
        docs.append({
            "id": doc_id, "version": 1, "updated_at": "", "data": {"id": doc_id},
            "doc_number": number, "issuer": ISSUERS[i % len(ISSUERS)],
            "doc_type": TYPES[i % len(TYPES)], "title": title, "urgency": urgency,
            "urgency_rank": models.URGENCY_RANK[urgency], "received_at": base + i * 60,
            "status": "in_progress", "is_read": i % 3 == 0, "generation": 0,
            "classification": "none", "signatory": "", "issued_on": "2005-10-19",
            "registration_number": f"收{i}", "digest": "",
        })
        if i % tasks_every == 0:
            tasks.append({"id": f"t{i:07d}", "version": 1, "updated_at": "",
                          "data": {"id": f"t{i:07d}"}, "document_id": doc_id,
                          "assignee_id": ME, "kind": "instruct", "status": "pending",
                          "due_at": base + i * 60 + 86400 * 3, "generation": 0,
                          "local_state": ""})
    # executemany on the driver: peewee's insert_many builds SQL text per row and costs
    # ~40 s here for 100,000 rows; this takes a few seconds for the same rows.
    def insert(table: str, rows: list[dict]) -> None:
        # Only the columns the current schema has (the cache's schema evolves).
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        cols = [c for c in rows[0] if c in have]
        sql = (f"INSERT INTO {table} ({', '.join(cols)}) "
               f"VALUES ({', '.join('?' * len(cols))})")
        conn.executemany(sql, ([json.dumps(r[c], ensure_ascii=False) if c == "data" else r[c]
                                for c in cols] for r in rows))

    conn = db.connection()
    with db.atomic():
        insert("document", docs)
        if tasks:
            insert("task", tasks)
    close_cache(db)


def open_big(path: Path, key: bytes) -> None:
    open_cache(path, key)


def default_key() -> bytes:
    return os.urandom(32)
