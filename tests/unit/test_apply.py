"""apply_page: strict validation, one transaction, versions, deletes, classified, re-sync."""

from __future__ import annotations

import copy
import json
from typing import Any

import peewee
import pytest
from cachekit import (
    delete,
    directory_changes,
    document,
    notice,
    receipt,
    task,
    up,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import models
from client.errors import ProtocolError
from client.models import Document, LocalOpinion, Notice, OutboxOp, Task
from client.services import outbox
from client.services.inbox import InboxService
from client.sync import apply
from client.types import InboxFilters, InboxView
from protocol.wire import CHANGE_LIST, REQUIRED_FIELDS


def snapshot(db: peewee.Database) -> dict[str, Any]:
    """Every row of every table (FTS shadow tables included), to compare states."""
    out = {}
    for table in db.get_tables():
        out[table] = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
    return out


def seed(db: peewee.Database) -> None:
    apply.apply_page([*directory_changes(),
                      up("document", document("d1", "关于财政资金管理的通知")),
                      up("task", task("t1", "d1", "zhangjianguo"))], cursor="c1")


def test_page_is_applied_with_its_cursor(cache: peewee.Database) -> None:
    summary = apply.apply_page([*directory_changes(),
                                up("document", document("d1", urgency="very_urgent")),
                                up("notice", notice("n1", "紧急通知", urgent=True))],
                               cursor="c1")
    assert summary.upserted["document"] == 1
    assert summary.new_very_urgent == ["d1"]
    assert summary.urgent_notices == ["n1"]
    assert apply.current_cursor() == "c1"
    # Seen again (same version): applied, but not new any more.
    again = apply.apply_page([up("document", document("d1", urgency="very_urgent"))],
                             cursor="c2")
    assert again.new_very_urgent == []


def test_older_version_never_overwrites(cache: peewee.Database) -> None:
    apply.apply_page([up("document", document("d1", "第三版标题", version=3))], cursor="c1")
    s = apply.apply_page([up("document", document("d1", "旧标题", version=2))], cursor="c2")
    assert s.skipped_older == 1
    assert Document.get(Document.id == "d1").title == "第三版标题"
    apply.apply_page([up("document", document("d1", "更新标题", version=4))], cursor="c3")
    assert Document.get(Document.id == "d1").title == "更新标题"
    # The search index follows the upsert.
    inbox = InboxService("zhangjianguo")
    assert inbox.count(InboxView.RECEIVED, InboxFilters(text="更新")) == 1
    assert inbox.count(InboxView.RECEIVED, InboxFilters(text="第三版")) == 0


def test_delete_removes_object_and_search_rows_but_keeps_local_work(
        cache: peewee.Database) -> None:
    seed(cache)
    with cache.atomic():
        outbox.enqueue("document.mark_read", {"document_id": "d1", "at": "2005-10-19T10:00:00+08:00"})
        LocalOpinion.create(op_id="op-1", task_id="t1", document_id="d1",
                            author_id="zhangjianguo", decision="approve", text="同意。",
                            signed_at="2005-10-19T10:00:00+08:00",
                            signature={"key_id": "k", "algorithm": "ed25519", "value": "x"},
                            document_digest="0" * 64)
    inbox = InboxService("zhangjianguo")
    assert inbox.count(InboxView.RECEIVED, InboxFilters(text="财政")) == 1
    s = apply.apply_page([delete("document", "d1"), delete("task", "t1")], cursor="c2")
    assert s.deleted == {"document": 1, "task": 1}
    assert Document.select().count() == 0
    assert inbox.count(InboxView.RECEIVED, InboxFilters(text="财政")) == 0
    assert cache.execute_sql("SELECT count(*) FROM doc_fts").fetchone()[0] == 0
    assert OutboxOp.select().count() == 1
    assert LocalOpinion.select().count() == 1


def test_classified_document_is_refused_and_audited(cache: peewee.Database) -> None:
    apply.apply_page([up("document", document("d1", "普通公文"))], cursor="c1")
    s = apply.apply_page([up("document", document("d2", "涉密公文", classification="secret")),
                          up("document", document("d1", "改为秘密", version=2,
                                                  classification="秘密"))], cursor="c2")
    assert sorted(s.refused_classified) == ["d1", "d2"]
    assert Document.select().count() == 0
    raw = json.dumps(snapshot(cache), ensure_ascii=False, default=str)
    assert "涉密公文" not in raw and "改为秘密" not in raw
    audit = list(models.AuditEntry.select().where(
        models.AuditEntry.action == "sync.refused_classified"))
    assert {a.object for a in audit} == {"document:d1", "document:d2"}
    assert apply.current_cursor() == "c2"


def test_receipts_of_mine_mark_read(cache: peewee.Database) -> None:
    seed(cache)
    apply.apply_page([up("notice", notice("n1", "会议通知", requires_ack=True)),
                      up("receipt", receipt("r1", "zhangjianguo", document_id="d1")),
                      up("receipt", receipt("r2", "zhangjianguo", notice_id="n1", kind="ack")),
                      up("receipt", receipt("r3", "lihua", notice_id="n1", kind="ack"))],
                     cursor="c2")
    assert Document.get(Document.id == "d1").is_read
    n = Notice.get(Notice.id == "n1")
    assert n.is_read and n.acked


def test_malformed_page_raises_and_changes_nothing(cache: peewee.Database) -> None:
    seed(cache)
    before = snapshot(cache)
    bad = document("d2", "新公文")
    del bad["title"]
    with pytest.raises(ProtocolError) as err:
        apply.apply_page([up("document", document("d3", "好公文")), up("document", bad)],
                         cursor="c9")
    assert err.value.code == "protocol.bad_change"
    assert snapshot(cache) == before


def test_failure_while_writing_rolls_back_the_page(cache: peewee.Database) -> None:
    seed(cache)
    before = snapshot(cache)
    # A valid page whose second object trips over a database constraint mid-write.
    cache.execute_sql("CREATE TRIGGER boom BEFORE INSERT ON task WHEN NEW.id = 't-boom' "
                      "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(peewee.IntegrityError):
        apply.apply_page([up("document", document("d2", "第二份")),
                          up("task", task("t-boom", "d2", "zhangjianguo"))], cursor="c9")
    cache.execute_sql("DROP TRIGGER boom")
    assert snapshot(cache) == before


# --- fuzzing: any malformed page leaves the cache unchanged -------------------------------

def _valid_page() -> list[dict[str, Any]]:
    return [up("document", document("f1", "关于防汛工作的通知")),
            up("task", task("ft1", "f1", "zhangjianguo")),
            up("notice", notice("fn1", "停电通知")),
            up("receipt", receipt("fr1", "zhangjianguo", notice_id="fn1")),
            delete("opinion", "o-x")]


BAD_VALUES = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=5),
                       st.lists(st.integers(), max_size=2), st.dictionaries(
                           st.text(max_size=3), st.integers(), max_size=2),
                       st.floats(allow_nan=False))


@st.composite
def malformed_pages(draw: st.DrawFn) -> list[Any]:
    page: list[Any] = copy.deepcopy(_valid_page())
    i = draw(st.integers(0, len(page) - 1))
    how = draw(st.sampled_from(["field", "drop", "change_key", "not_dict", "data_id"]))
    change = page[i]
    if how == "not_dict":
        page[i] = draw(st.one_of(st.none(), st.text(max_size=3), st.integers(), st.lists(
            st.integers(), max_size=2)))
    elif how == "change_key":
        k = draw(st.sampled_from(["type", "id", "op"]))
        # Any non-empty string is a good type: one the protocol does not define is
        # ignored (test_unknown_object_types_are_ignored).
        change[k] = draw(BAD_VALUES.filter(lambda v: not (isinstance(v, str) and v and (
            k != "op" or v in ("upsert", "delete")))))
    elif change["op"] == "delete":
        change["op"] = "upsert"  # a delete turned upsert without its data
    elif how == "data_id":
        change["data"]["id"] = change["id"] + "-other"
    else:
        data = change["data"]
        name = draw(st.sampled_from(_required_fields(change["type"])))
        if how == "drop":
            del data[name]
        else:
            data[name] = draw(BAD_VALUES.filter(lambda v: not _accepted(change, name, v)))
    return page


def _required_fields(kind: str) -> list[str]:
    """The fields the schema of `kind` requires, but the id (data_id breaks that one)."""
    return sorted(REQUIRED_FIELDS[kind] - {"id"})


def _accepted(change: dict[str, Any], name: str, value: Any) -> bool:
    candidate = {**change, "data": {**change["data"], name: value}}
    try:
        CHANGE_LIST.validate_python([candidate])
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=malformed_pages())
def test_fuzzed_malformed_pages_change_nothing(cache: peewee.Database, page: list[Any]) -> None:
    if not Document.select().exists():
        seed(cache)
    before = snapshot(cache)
    with pytest.raises(ProtocolError):
        apply.apply_page(page, cursor="c-fuzz")
    assert snapshot(cache) == before


def test_unknown_object_types_are_ignored(cache: peewee.Database) -> None:
    """A newer platform's object types (and defined ones this client keeps no table for)
    are skipped; the rest of the page applies and the cursor moves past them. A broken
    change of a known type next to them still refuses the page."""
    future = {"seq": 9_000_001, "type": "meeting_room", "id": "mr1", "op": "upsert",
              "data": {"id": "mr1", "version": 1, "anything": ["goes"]}}
    gone = {"seq": 9_000_002, "type": "meeting_room", "id": "mr1", "op": "delete"}
    summary = apply.apply_page([future, *_valid_page(), gone], cursor="c-new")
    assert Task.get(Task.id == "ft1").document_id == "f1"
    assert "meeting_room" not in summary.upserted and apply.current_cursor() == "c-new"
    bad = copy.deepcopy(_valid_page())
    del bad[0]["data"]["title"]
    with pytest.raises(ProtocolError) as err:
        apply.apply_page([future, *bad], cursor="c-bad")
    assert "change #1" in (err.value.detail or "")  # its position in the page as received
    assert apply.current_cursor() == "c-new"


def test_the_valid_fuzz_base_page_applies(cache: peewee.Database) -> None:
    apply.apply_page(_valid_page(), cursor="c1")
    assert Task.get(Task.id == "ft1").document_id == "f1"


@pytest.mark.parametrize("page,cursor", [("not a list", "c"), ([], ""), ([], None)])
def test_bad_envelope(cache: peewee.Database, page: Any, cursor: Any) -> None:
    with pytest.raises(ProtocolError):
        apply.apply_page(page, cursor=cursor)


# --- full re-sync ------------------------------------------------------------------------

def test_full_resync_sweeps_what_is_gone_and_keeps_unsent_work(cache: peewee.Database) -> None:
    seed(cache)
    apply.apply_page([up("document", document("d2", "将被收回的公文")),
                      up("task", task("t2", "d2", "zhangjianguo"))], cursor="c2")
    with cache.atomic():
        op_id = outbox.enqueue("task.complete", {"task_id": "t2"}, local_ref="task:t2")
        LocalOpinion.create(op_id=op_id, task_id="t2", document_id="d2",
                            author_id="zhangjianguo", decision="approve", text="同意，请办理。",
                            signed_at="2005-10-19T10:00:00+08:00",
                            signature={"key_id": "k", "algorithm": "ed25519", "value": "x"},
                            document_digest="0" * 64)
    gen = apply.begin_full_resync("instance-A")
    assert apply.sync_state().resync_in_progress and apply.current_cursor() is None
    # The platform now sends only the directory, d1 and t1.
    apply.apply_page([*directory_changes(), up("document", document("d1", "关于财政资金管理的通知")),
                      up("task", task("t1", "d1", "zhangjianguo"))], cursor="r1")
    removed = apply.finish_full_resync()
    assert removed == {"document": 1, "task": 1}
    assert [d.id for d in Document.select()] == ["d1"]
    assert OutboxOp.get(OutboxOp.op_id == op_id).state == "queued"
    assert LocalOpinion.get(LocalOpinion.op_id == op_id).text == "同意，请办理。"
    assert apply.sync_state().generation == gen and not apply.sync_state().resync_in_progress
    assert InboxService("zhangjianguo").count(InboxView.RECEIVED,
                                              InboxFilters(text="收回")) == 0


def test_new_instance_accepts_lower_versions(cache: peewee.Database) -> None:
    apply.set_identity(user_id="zhangjianguo", instance_id="instance-A")
    apply.apply_page([up("document", document("d1", "旧平台上的标题", version=9))], cursor="c1")
    apply.begin_full_resync("instance-B")  # platform restored from an older backup
    apply.apply_page([up("document", document("d1", "恢复后的标题", version=2))], cursor="r1")
    apply.finish_full_resync()
    assert Document.get(Document.id == "d1").title == "恢复后的标题"
    assert apply.sync_state().instance_id == "instance-B"


def test_cursor_expired_resync_keeps_newer_local_version(cache: peewee.Database) -> None:
    apply.set_identity(user_id="zhangjianguo", instance_id="instance-A")
    apply.apply_page([up("document", document("d1", "第五版", version=5))], cursor="c1")
    apply.begin_full_resync("instance-A")
    apply.apply_page([up("document", document("d1", "第四版", version=4))], cursor="r1")
    apply.finish_full_resync()
    d = Document.get(Document.id == "d1")
    assert d.title == "第五版"  # kept (seen by the re-sync, so not swept either)
