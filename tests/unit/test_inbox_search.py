"""Inbox views, combinable filters, Chinese search and keyset paging."""

from __future__ import annotations

import random
from datetime import timedelta

import peewee
import pytest
from cachekit import T0, directory_changes, document, notice, task, up

from client import models
from client.search_index import index_text, match_expression
from client.services import search
from client.services.documents import DocumentService
from client.services.inbox import InboxService
from client.sync import apply
from client.types import InboxFilters, InboxSort, InboxView

ME = "zhangjianguo"


@pytest.fixture
def docs(cache: peewee.Database) -> None:
    apply.apply_page([
        *directory_changes(),
        up("document", document("d-fin", "关于下达2005年财政预算的通知", issuer="佳木斯市财政局",
                                doc_type="通知", urgency="urgent", received=T0)),
        up("document", document("d-fire", "关于做好秋季防火工作的通知", issuer="佳木斯市人民政府",
                                doc_type="通知", received=T0 + timedelta(days=1),
                                doc_number="佳政发〔2005〕12号")),
        up("document", document("d-req", "富锦市财政局关于申请防汛资金的请示",
                                issuer="富锦市财政局", doc_type="请示", urgency="very_urgent",
                                received=T0 + timedelta(days=2), notes="请领导批示")),
        up("document", document("d-rep", "关于农业普查工作情况的报告", issuer="富锦市统计局",
                                doc_type="报告", received=T0 + timedelta(days=3))),
        up("task", task("t-fin", "d-fin", ME, due=T0 + timedelta(days=5))),
        up("task", task("t-req", "d-req", ME, due=T0 + timedelta(days=1))),
        up("task", task("t-rep", "d-rep", ME, kind="read")),
        up("task", task("t-fire", "d-fire", ME, status="done")),
        up("notice", notice("n1", "关于国庆放假安排的通知", "十月一日至七日放假。")),
    ], cursor="c1")


def ids(rows) -> list[str]:  # noqa: ANN001
    return [r.document_id for r in rows]


def test_tokens_and_queries() -> None:
    assert index_text("公文收件") == "公文 文收 收件 公 文 收 件"
    assert match_expression("财政") == '"财政"'
    assert match_expression("防汛资金") == '"防汛 汛资 资金"'
    assert match_expression("政") == '"政"'
    assert match_expression("〔２００５〕12号") == '"2005"* AND "12"* AND "号"'
    assert match_expression("，。！") is None


@pytest.mark.parametrize("query,expected", [
    ("通知", {"d-fin", "d-fire"}),
    ("财政", {"d-fin", "d-req"}),
    ("批示", {"d-req"}),          # in 附注
    ("防火", {"d-fire"}),
    ("普查工作", {"d-rep"}),
    ("汛", {"d-req"}),             # one character
    ("12号", {"d-fire"}),          # 文号
    ("统计局", {"d-rep"}),         # issuer
    ("财政 请示", {"d-req"}),      # two words: both must match
    ("火防", set()),               # order matters within a word
])
def test_search_finds_the_right_documents(docs: None, query: str, expected: set[str]) -> None:
    inbox = InboxService(ME)
    assert set(ids(inbox.page(InboxView.RECEIVED, InboxFilters(text=query)).rows)) == expected
    assert inbox.count(InboxView.RECEIVED, InboxFilters(text=query)) == len(expected)


def test_search_service_covers_notices(docs: None) -> None:
    hits = search.search("放假")
    assert [(h.kind, h.id) for h in hits] == [("notice", "n1")]
    assert {h.id for h in search.search("通知")} == {"d-fin", "d-fire", "n1"}


def test_views(docs: None) -> None:
    inbox = InboxService(ME)
    assert ids(inbox.page(InboxView.TODO).rows) == ["d-req", "d-fin"]
    assert ids(inbox.page(InboxView.DONE).rows) == ["d-fire"]
    assert ids(inbox.page(InboxView.CIRCULATE).rows) == ["d-rep"]
    assert ids(inbox.page(InboxView.RECEIVED).rows) == ["d-rep", "d-req", "d-fire", "d-fin"]
    b = inbox.badges(now=T0)
    assert (b.todo, b.todo_very_urgent, b.done, b.circulate, b.received_unread,
            b.notices_unread) == (2, 1, 1, 1, 4, 1)


def test_filters_combine(docs: None) -> None:
    inbox = InboxService(ME)

    def q(view: InboxView = InboxView.RECEIVED, **kw) -> list[str]:  # noqa: ANN003
        return ids(inbox.page(view, InboxFilters(**kw)).rows)

    assert q(urgency=("urgent", "very_urgent")) == ["d-req", "d-fin"]
    assert q(doc_type=("通知",), urgency=("urgent",)) == ["d-fin"]
    assert q(issuer="富锦市财政局") == ["d-req"]
    assert q(received_from=T0 + timedelta(days=1), received_to=T0 + timedelta(days=3)) == [
        "d-req", "d-fire"]
    assert q(InboxView.TODO, text="财政", urgency=("very_urgent",)) == ["d-req"]
    DocumentService(ME).mark_read("d-req", now=T0)
    assert q(unread_only=True, text="财政") == ["d-fin"]
    assert inbox.count(InboxView.RECEIVED, InboxFilters(unread_only=True)) == 3
    assert q(doc_type=("通知",), issuer="富锦市统计局") == []


def test_sorts(docs: None) -> None:
    inbox = InboxService(ME)
    assert ids(inbox.page(InboxView.RECEIVED, sort=InboxSort.URGENCY).rows) == [
        "d-req", "d-fin", "d-rep", "d-fire"]
    assert ids(inbox.page(InboxView.TODO, sort=InboxSort.DUE).rows) == ["d-req", "d-fin"]
    # Issuer abbreviations of 文号 in code-point order: 佳政函… (U+51FD) before 佳政发… (U+53D1).
    assert ids(inbox.page(InboxView.RECEIVED, sort=InboxSort.DOC_NUMBER).rows)[-1] == "d-fire"


def test_doc_number_sorts_by_issuer_year_and_number(cache: peewee.Database) -> None:
    numbers = ["富政发〔2026〕12号", "富政发〔2026〕9号", "富政发[2025]100号", "富政办发〔2026〕3号",
               "富政发〔2026〕9号之一", "佳政办发〔2026〕86号", "富政发〔2024〕200号"]
    apply.apply_page([*directory_changes(), *[
        up("document", document(f"d{i}", doc_number=n)) for i, n in enumerate(numbers)]],
        cursor="c1")
    inbox = InboxService(ME)
    expected = ["佳政办发〔2026〕86号", "富政办发〔2026〕3号", "富政发〔2024〕200号",
                "富政发[2025]100号", "富政发〔2026〕9号", "富政发〔2026〕9号之一",
                "富政发〔2026〕12号"]
    rows = inbox.page(InboxView.RECEIVED, sort=InboxSort.DOC_NUMBER).rows
    assert [r.doc_number for r in rows] == expected
    # Keyset pages in that order, one row at a time, with `after=row.sort_key`.
    assert [r.doc_number for r in inbox.iter_all(
        InboxView.RECEIVED, sort=InboxSort.DOC_NUMBER, batch=1)] == expected


@pytest.mark.parametrize("sort", list(InboxSort))
@pytest.mark.parametrize("view", [InboxView.RECEIVED, InboxView.TODO])
def test_keyset_paging_returns_every_row_exactly_once(cache: peewee.Database, sort: InboxSort,
                                                      view: InboxView) -> None:
    rng = random.Random(7)
    changes = [*directory_changes()]
    for i in range(237):
        # Many equal sort values (same day, same urgency, same 文号) to test the tie-breaks.
        changes.append(up("document", document(
            f"d{i:03}", f"第{i}号测试公文", urgency=rng.choice(["normal", "urgent", "very_urgent"]),
            received=T0 + timedelta(hours=rng.randrange(5)),
            doc_number=f"佳政发〔2005〕{rng.randrange(10)}号")))
        changes.append(up("task", task(f"t{i:03}", f"d{i:03}", ME,
                                       due=T0 + timedelta(days=rng.randrange(3))
                                       if rng.random() < 0.7 else None)))
    apply.apply_page(changes, cursor="c1")
    inbox = InboxService(ME)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = inbox.page(view, sort=sort, after=after, limit=20)
        seen.extend(r.document_id for r in page.rows)
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert len(seen) == len(set(seen)) == 237 == inbox.count(view)
    assert pages == 12
    # The same order as one big page.
    assert seen == ids(inbox.page(view, sort=sort, limit=500).rows)


def test_after_from_another_sort_is_refused(docs: None) -> None:
    inbox = InboxService(ME)
    key = inbox.page(InboxView.RECEIVED, limit=1).next_after
    with pytest.raises(ValueError):
        inbox.page(InboxView.RECEIVED, sort=InboxSort.URGENCY, after=key)


@pytest.mark.parametrize("sparse_limit", [0, 10**9])
def test_both_search_plans_page_the_same(cache: peewee.Database, sparse_limit: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense matches walk the sort index, sparse ones are looked up: same rows, same order."""
    from client.services import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "SPARSE_MATCHES", sparse_limit)
    changes = [*directory_changes()]
    for i in range(120):
        title = "关于财政资金的通知" if i % 3 == 0 else "关于防汛工作的报告"
        changes.append(up("document", document(f"d{i:03}", title,
                                               urgency="urgent" if i % 2 else "normal",
                                               received=T0 + timedelta(minutes=i % 7))))
    apply.apply_page(changes, cursor="c1")
    inbox = InboxService(ME)
    f = InboxFilters(text="财政")
    seen, after = [], None
    while True:
        page = inbox.page(InboxView.RECEIVED, f, sort=InboxSort.URGENCY, after=after, limit=7)
        seen += ids(page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    expected = sorted((d for d in range(0, 120, 3)), key=lambda i: (i % 2, i % 7, i),
                      reverse=True)
    assert seen == [f"d{i:03}" for i in expected]
    assert inbox.count(InboxView.RECEIVED, f) == 40
    assert inbox.count(InboxView.RECEIVED, InboxFilters(text="财政", urgency=("urgent",))) == 20


def test_search_of_a_common_word_lists_newest_first(docs: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from client.services import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "SPARSE_MATCHES", 1)  # every query counts as dense
    hits = search.search("通知")
    assert [(h.kind, h.id) for h in hits] == [("document", "d-fire"), ("document", "d-fin"),
                                            ("notice", "n1")]
    monkeypatch.setattr(inbox_module, "SPARSE_MATCHES", 10**6)
    assert {h.id for h in search.search("通知")} == {"d-fire", "d-fin", "n1"}


def test_issuer_filter_matches_part_of_the_name(docs: None) -> None:
    inbox = InboxService(ME)

    def q(issuer: str) -> set[str]:
        return set(ids(inbox.page(InboxView.RECEIVED, InboxFilters(issuer=issuer)).rows))

    assert q("佳木斯") == {"d-fin", "d-fire"}
    assert q("财政局") == {"d-fin", "d-req"}
    assert q(" 富锦市统计局 ") == {"d-rep"}
    assert q("%") == set() and q("_") == set()  # literal characters, not wildcards
    assert inbox.count(InboxView.RECEIVED, InboxFilters(issuer="佳木斯")) == 2
    assert set(inbox.issuers()) == {"佳木斯市财政局", "佳木斯市人民政府", "富锦市财政局",
                                    "富锦市统计局"}


def test_done_shows_one_row_per_document_with_its_steps(docs: None) -> None:
    apply.apply_page([
        up("task", task("t-fire-2", "d-fire", ME, kind="propose", status="done")),
        up("task", task("t-rep-2", "d-rep", ME, kind="handle", status="returned")),
        up("task", task("t-rep-3", "d-rep", ME, kind="propose", status="done")),
        up("task", task("t-rep-4", "d-rep", "lihua", kind="instruct", status="done")),
    ], cursor="c2")
    inbox = InboxService(ME)
    rows = inbox.page(InboxView.DONE).rows
    assert ids(rows) == ["d-rep", "d-fire"]
    assert [r.task_kinds for r in rows] == [("propose", "handle"), ("propose", "instruct")]
    assert inbox.count(InboxView.DONE) == 2 and inbox.badges(now=T0).done == 2
    # Keyset paging still walks the view one document at a time.
    for sort in InboxSort:
        assert ids(inbox.iter_all(InboxView.DONE, sort=sort, batch=1)) in (
            ["d-rep", "d-fire"], ["d-fire", "d-rep"])


def test_next_pending_stays_in_its_view(docs: None) -> None:
    apply.apply_page([
        up("task", task("t-fin-r", "d-fin", ME, kind="read", status="done")),
        up("task", task("t-req-r", "d-req", ME, kind="read")),
    ], cursor="c2")
    inbox = InboxService(ME)
    # 传阅 holds d-rep (pending), d-req (pending, very urgent) and d-fin (read already).
    assert inbox.next_pending(InboxView.CIRCULATE).task_id == "t-req-r"
    assert inbox.next_pending(InboxView.CIRCULATE, "t-req-r").task_id == "t-rep"
    # One just read here waits to be sent: it is not offered again.
    models.Task.update(local_state="pending_sync").where(models.Task.id == "t-rep").execute()
    assert inbox.next_pending(InboxView.CIRCULATE, "t-req-r") is None
    assert inbox.next_pending(InboxView.TODO).task_id == "t-req"
    assert inbox.next_pending(InboxView.TODO, "t-req").task_id == "t-fin"
    with pytest.raises(ValueError):
        inbox.next_pending(InboxView.DONE)
