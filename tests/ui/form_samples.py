"""A document with a chosen number of opinions, for the processing-form layout tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from client.types import DocumentDetail, OpinionView, TaskInfo, Verdict

_CHINA = timezone(timedelta(hours=8))

_STEPS = [  # kind, author, title, decision, text
    ("propose", "郑伟", "办公室主任", "approve",
     "同意。建议呈张县长阅示，并请县应急管理局、县水务局牵头做好防汛准备工作，"
     "于本周五前报送落实情况。"),
    ("instruct", "张建国", "县长", "approve", "同意拟办意见。请各相关单位抓好落实。"),
    ("countersign", "李明", "副县长", "approve",
     "同意。请县水务局会同各乡镇做好水库、堤防巡查，确保安全度汛。"),
    ("handle", "王芳", "应急管理局局长", "done", "已按要求落实，已于11月25日报送县政府办公室。"),
    ("read", "赵强", "副县长", "read", "已阅。"),
]


def detail_with_opinions(count: int) -> DocumentDetail:
    """A document whose first `count` routing steps are signed (1-5), times in order."""
    tasks, opinions = [], []
    start = datetime(2026, 11, 18, 9, 30, tzinfo=_CHINA)
    for i, (kind, author, title, decision, text) in enumerate(_STEPS):
        signed = i < count
        tasks.append(TaskInfo(id=f"t{i}", document_id="d1", assignee_id=f"u{i}",
                              assignee_name=author, kind=kind,
                              status="done" if signed else "pending", due_at=None,
                              created_by=None, local_state=""))
        if signed:
            opinions.append(OpinionView(
                id=f"o{i}", task_id=f"t{i}", document_id="d1", author_id=f"u{i}",
                author_name=author, author_title=title, decision=decision, text=text,
                handwriting_sha256=None, forward_to=[], forward_to_names=[],
                signed_at=(start + timedelta(days=i, hours=4 * i, minutes=6)).isoformat(),
                signature=None, local_state="", verdict=Verdict.VALID))
    return DocumentDetail(
        id="d1", doc_number="佳政办发〔2026〕86号", issuer="佳木斯市人民政府办公室",
        doc_type="通知", title="关于做好2026年冬春季防汛抗旱和安全生产工作的通知",
        classification="none", urgency="very_urgent", signatory="刘长江",
        main_recipients=["各县（市）区人民政府", "市政府各委办局"], cc=["市委办公室"],
        issued_on="2026-11-17", notes="",
        received_at=datetime(2026, 11, 18, 8, 15, tzinfo=_CHINA),
        registration_number="收〔2026〕1186号", status="processing", digest="",
        local_digest="", body=None, attachments=[], tasks=tasks, opinions=opinions,
        receipts=[], is_read=True)
