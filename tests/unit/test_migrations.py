"""An older cache (schema version 1, as released) opens with the new code: upgraded,
and nothing it held is lost — above all the outbox of unsent operations."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from client import migrations, models
from client.db import close_cache, open_cache, raw_key_passphrase
from client.errors import StorageError
from client.services import outbox
from client.services.inbox import InboxService
from client.services.phrases import PhraseService
from client.types import InboxFilters, InboxView

# Schema version 1, exactly as that release created it (no outbox_op.blobs_first /
# finished_at, no phrase and audit_entry tables).
V1_SCHEMA = """
CREATE TABLE "schema_version" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "upgraded_at" REAL NOT NULL);
CREATE TABLE "blob_entry" ("sha256" VARCHAR(64) NOT NULL PRIMARY KEY, "size" INTEGER NOT NULL, "media_type" VARCHAR(255) NOT NULL, "state" VARCHAR(255) NOT NULL, "last_used_at" REAL NOT NULL, "pinned" INTEGER NOT NULL, "upload_pending" INTEGER NOT NULL, "created_at" REAL NOT NULL);
CREATE INDEX "blob_entry_state" ON "blob_entry" ("state");
CREATE TABLE "document" ("pk" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "generation" INTEGER NOT NULL, "id" VARCHAR(255) NOT NULL, "doc_number" VARCHAR(255) NOT NULL, "issuer" VARCHAR(255) NOT NULL, "doc_type" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "classification" VARCHAR(255) NOT NULL, "urgency" VARCHAR(255) NOT NULL, "urgency_rank" INTEGER NOT NULL, "signatory" VARCHAR(255) NOT NULL, "issued_on" VARCHAR(255) NOT NULL, "received_at" INTEGER, "registration_number" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "digest" VARCHAR(255) NOT NULL, "body_sha256" VARCHAR(255), "is_read" INTEGER NOT NULL);
CREATE TABLE "document_data" ("pk" INTEGER NOT NULL PRIMARY KEY, "data" TEXT NOT NULL, "body_text" TEXT);
CREATE UNIQUE INDEX "document_id" ON "document" ("id");
CREATE INDEX "document_received_at_pk" ON "document" ("received_at", "pk");
CREATE INDEX "document_urgency_rank_received_at_pk" ON "document" ("urgency_rank", "received_at", "pk");
CREATE INDEX "document_doc_number_pk" ON "document" ("doc_number", "pk");
CREATE INDEX "document_issuer_received_at" ON "document" ("issuer", "received_at");
CREATE INDEX "document_doc_type_received_at" ON "document" ("doc_type", "received_at");
CREATE INDEX "document_is_read_received_at_pk" ON "document" ("is_read", "received_at", "pk");
CREATE TABLE "local_opinion" ("op_id" VARCHAR(255) NOT NULL PRIMARY KEY, "task_id" VARCHAR(255) NOT NULL, "document_id" VARCHAR(255) NOT NULL, "author_id" VARCHAR(255) NOT NULL, "decision" VARCHAR(255) NOT NULL, "text" TEXT NOT NULL, "handwriting_sha256" VARCHAR(255), "forward_to" TEXT NOT NULL, "extra" TEXT NOT NULL, "signed_at" VARCHAR(255) NOT NULL, "signature" TEXT NOT NULL, "document_digest" VARCHAR(255) NOT NULL, "state" VARCHAR(255) NOT NULL, "created_at" REAL NOT NULL);
CREATE INDEX "local_opinion_task_id" ON "local_opinion" ("task_id");
CREATE INDEX "local_opinion_document_id" ON "local_opinion" ("document_id");
CREATE INDEX "local_opinion_state" ON "local_opinion" ("state");
CREATE TABLE "notice" ("pk" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "id" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "publisher_id" VARCHAR(255), "audience_unit_ids" TEXT NOT NULL, "requires_ack" INTEGER NOT NULL, "urgent" INTEGER NOT NULL, "published_at" INTEGER, "expires_at" INTEGER, "client_ref" VARCHAR(255), "is_read" INTEGER NOT NULL, "acked" INTEGER NOT NULL, "ack_pending" INTEGER NOT NULL);
CREATE UNIQUE INDEX "notice_id" ON "notice" ("id");
CREATE TABLE "notice_draft" ("client_ref" VARCHAR(255) NOT NULL PRIMARY KEY, "author_id" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "audience_unit_ids" TEXT NOT NULL, "requires_ack" INTEGER NOT NULL, "urgent" INTEGER NOT NULL, "expires_at" VARCHAR(255), "attachments" TEXT NOT NULL, "state" VARCHAR(255) NOT NULL, "op_id" VARCHAR(255), "updated_at" REAL NOT NULL);
CREATE TABLE "opinion" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "task_id" VARCHAR(255) NOT NULL, "document_id" VARCHAR(255) NOT NULL, "author_id" VARCHAR(255) NOT NULL, "decision" VARCHAR(255) NOT NULL, "text" TEXT NOT NULL, "handwriting_sha256" VARCHAR(255), "forward_to" TEXT NOT NULL, "signed_at" VARCHAR(255) NOT NULL, "signature" TEXT);
CREATE TABLE "opinion_draft" ("task_id" VARCHAR(255) NOT NULL PRIMARY KEY, "author_id" VARCHAR(255) NOT NULL, "decision" VARCHAR(255), "text" TEXT NOT NULL, "forward_to" TEXT NOT NULL, "updated_at" REAL NOT NULL);
CREATE TABLE "outbox_op" ("id" INTEGER NOT NULL PRIMARY KEY, "op_id" VARCHAR(255) NOT NULL, "type" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "created_at" REAL NOT NULL, "attempts" INTEGER NOT NULL, "next_attempt_at" REAL NOT NULL, "state" VARCHAR(255) NOT NULL, "result_code" VARCHAR(255), "result_detail" TEXT, "local_ref" VARCHAR(255));
CREATE UNIQUE INDEX "outbox_op_op_id" ON "outbox_op" ("op_id");
CREATE INDEX "outbox_op_state" ON "outbox_op" ("state");
CREATE INDEX "outbox_op_local_ref" ON "outbox_op" ("local_ref");
CREATE TABLE "receipt" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "notice_id" VARCHAR(255), "document_id" VARCHAR(255), "user_id" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, "at" INTEGER);
CREATE TABLE "signing_key" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "user_id" VARCHAR(255) NOT NULL, "algorithm" VARCHAR(255) NOT NULL, "public_key" TEXT NOT NULL, "revoked_at" INTEGER);
CREATE TABLE "sync_state" ("id" INTEGER NOT NULL PRIMARY KEY, "cursor" TEXT, "instance_id" VARCHAR(255), "user_id" VARCHAR(255), "last_success_at" REAL, "last_error" TEXT, "generation" INTEGER NOT NULL, "resync_in_progress" INTEGER NOT NULL, "resync_accept_any_version" INTEGER NOT NULL);
CREATE TABLE "task" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "document_id" VARCHAR(255) NOT NULL, "assignee_id" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "due_at" INTEGER, "created_by" VARCHAR(255), "local_state" VARCHAR(255) NOT NULL, "local_op_id" VARCHAR(255), "local_done_at" REAL);
CREATE INDEX "task_assignee_id_status" ON "task" ("assignee_id", "status");
CREATE TABLE "unit" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "name" VARCHAR(255) NOT NULL, "parent_id" VARCHAR(255), "kind" VARCHAR(255) NOT NULL, "sort_order" INTEGER NOT NULL);
CREATE TABLE "user" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "updated_at" VARCHAR(255) NOT NULL, "data" TEXT NOT NULL, "generation" INTEGER NOT NULL, "username" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255) NOT NULL, "unit_id" VARCHAR(255), "title" VARCHAR(255) NOT NULL, "roles" TEXT NOT NULL);
CREATE VIRTUAL TABLE doc_fts USING fts5(title, meta, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE notice_fts USING fts5(title, meta, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
"""

SIGNOFF_DATA = {"task_id": "t1", "decision": "approve", "text": "同意，请财政局办理。",
                "handwriting_sha256": None, "forward_to": ["chenming"],
                "signed_at": "2005-10-19T10:00:00+08:00",
                "signature": {"key_id": "abcd", "algorithm": "ed25519", "value": "c2ln"}}


def build_v1_cache(path: Path, key: bytes) -> None:
    con = sqlcipher.connect(str(path))
    con.execute("PRAGMA key = \"" + raw_key_passphrase(key) + "\"")
    con.executescript(V1_SCHEMA)
    con.execute("INSERT INTO schema_version VALUES (1, 1, 1129685400.0)")
    con.execute("INSERT INTO sync_state VALUES (1, 'cursor-42', 'inst-1', 'zhangjianguo', "
                "1129685400.0, NULL, 3, 0, 0)")
    doc = {"id": "d1", "title": "关于财政资金管理的通知"}
    con.execute("INSERT INTO document (pk, version, updated_at, generation, id, doc_number, "
                "issuer, doc_type, title, classification, urgency, urgency_rank, signatory, "
                "issued_on, received_at, registration_number, status, digest, body_sha256, "
                "is_read) VALUES (1, 1, '', 3, 'd1', '佳财发〔2005〕3号', "
                "'佳木斯市财政局', '通知', '关于财政资金管理的通知', 'none', 'urgent', 1, '', "
                "'2005-10-01', 1129685400, '', 'in_progress', '', NULL, 0)")
    con.execute("INSERT INTO document_data VALUES (1, ?, NULL)",
                (json.dumps(doc, ensure_ascii=False),))
    con.execute("INSERT INTO doc_fts(rowid, title, meta, body) VALUES (1, ?, '', '')",
                ("关于 于财 财政 政资 资金 金管 管理 理的 的通 通知 关 于 财 政 资 金 管 理 的 通 知",))
    con.execute("INSERT INTO task VALUES ('t1', 1, '', '{}', 3, 'd1', 'zhangjianguo', "
                "'instruct', 'pending', NULL, 'wangli', 'pending_sync', 'op-a', 1129685500.0)")
    for i, (op_id, kind, data, state) in enumerate([
            ("op-a", "task.complete", SIGNOFF_DATA, "queued"),
            ("op-b", "document.mark_read", {"document_id": "d1", "at": "2005-10-19T10:00:00+08:00"},
             "sent"),
            ("op-c", "notice.ack", {"notice_id": "n1", "at": "2005-10-19T10:01:00+08:00"},
             "conflict")], start=1):
        con.execute("INSERT INTO outbox_op VALUES (?, ?, ?, ?, ?, 0, 0, ?, NULL, NULL, ?)",
                    (i, op_id, kind, json.dumps(data, ensure_ascii=False), 1129685400.0 + i,
                     state, "task:t1" if kind == "task.complete" else None))
    con.execute("INSERT INTO local_opinion VALUES ('op-a', 't1', 'd1', 'zhangjianguo', "
                "'approve', '同意，请财政局办理。', NULL, '[\"chenming\"]', '{}', "
                "'2005-10-19T10:00:00+08:00', ?, ?, 'pending_sync', 1129685500.0)",
                (json.dumps(SIGNOFF_DATA["signature"]), "0" * 64))
    con.commit()
    con.close()


def test_version_1_cache_is_upgraded_without_losing_the_outbox(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "cache.db"
    build_v1_cache(path, key)
    db = open_cache(path, key)
    try:
        assert migrations.schema_version(db) == migrations.CURRENT_VERSION == 6
        # Version 3 (4 adds columns only): the 发文 tables and local drafts, empty and usable.
        assert {"outgoing", "outgoing_version", "outgoing_step", "doc_series", "delivery",
                "reminder", "outgoing_draft"} <= set(db.get_tables())
        assert models.OutgoingDraft.select().count() == 0
        ops = outbox.due_ops(now=2e9, limit=10)
        assert [o.op_id for o in ops] == ["op-a", "op-b"]
        assert ops[0].data == SIGNOFF_DATA and ops[0].blobs_first == []
        assert outbox.counts().conflict == 1
        lo = models.LocalOpinion.get(models.LocalOpinion.op_id == "op-a")
        assert lo.text == "同意，请财政局办理。" and lo.state == "pending_sync"
        assert models.sync_state().cursor == "cursor-42"
        # The new tables work, the old search index still answers.
        assert PhraseService("zhangjianguo").list()[0].text == "同意。"
        inbox = InboxService("zhangjianguo")
        assert inbox.count(InboxView.RECEIVED, InboxFilters(text="财政")) == 1
        assert inbox.count(InboxView.DONE) == 1
        # New code can queue ops with the new column.
        with db.atomic():
            outbox.enqueue("notice.ack", {"notice_id": "n2", "at": "x"}, blobs_first=["a" * 64])
        assert outbox.due_ops(now=2e9)[-1].blobs_first == ["a" * 64]
        # Version 3: applied ops keep their seq, the sync state the restore epoch.
        outbox.record_results([{"op_id": "op-a", "status": "applied", "seq": 42}])
        assert models.OutboxOp.get(models.OutboxOp.op_id == "op-a").applied_seq == 42
        assert models.sync_state().restore_epoch is None
        # Version 5: a refusal keeps its context; notes (留言) have their table.
        outbox.record_results([{"op_id": "op-b", "status": "conflict",
                                "code": "task.cancelled", "context": {"by_name": "王丽"}}])
        assert outbox.get("op-b").result_context == {"by_name": "王丽"}
        assert models.Note.select().count() == 0
    finally:
        close_cache(db)
    # Opening again is a no-op migration.
    db = open_cache(path, key)
    assert models.OutboxOp.select().count() == 4
    close_cache(db)


def test_cache_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "cache.db"
    db = open_cache(path, key)
    db.execute_sql("UPDATE schema_version SET version = 99")
    close_cache(db)
    with pytest.raises(StorageError) as err:
        open_cache(path, key)
    assert err.value.code == "cache.too_new"


def test_exchange_tables_and_delivery_id_arrive_with_version_3(tmp_path: Path) -> None:
    """Version 3 (公文交换): a cache from before gains the delivery and reminder tables and
    document.delivery_id, and keeps its documents and its outbox."""
    key = os.urandom(32)
    path = tmp_path / "cache.db"
    build_v1_cache(path, key)
    db = open_cache(path, key)
    try:
        assert "delivery_id" in {c.name for c in db.get_columns("document")}
        assert {"delivery", "reminder"} <= set(db.get_tables())
        doc = models.Document.get(models.Document.id == "d1")
        assert doc.delivery_id is None and doc.title == "关于财政资金管理的通知"
        assert [o.op_id for o in outbox.due_ops(now=2e9, limit=10)] == ["op-a", "op-b"]
        models.Delivery.create(id="dl1", version=1, data={}, sender_unit_id="u1",
                               recipient_unit_id="u2", sent_at=1)
        models.Reminder.create(id="r1", version=1, data={}, from_id="wangli",
                               to_id="zhangjianguo")
        assert models.Delivery.get_by_id("dl1").local_state == ""
        assert models.Reminder.get_by_id("r1").announced_at is None
    finally:
        close_cache(db)
