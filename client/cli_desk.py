"""Desk commands of the command line: inbox, show, sign, notices, ack, and the clerk's
exchange, receive, refuse (docs/cli.md).

They work on the local cache of the last account signed in (`Profile.resume()`, no
password, no network) through the services the GUI uses: `sign` and `ack` queue their
op in the outbox and the next `sync` sends it. The sign-off rules are the service's
(protocol/workflow_rules.py through `SignoffService.complete_task`): nothing here decides
what a task allows. `--json` output is the stable shape docs/cli.md documents
(tests/sync/test_cli_commands.py holds the two together). Nothing here imports Qt.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from client import textfmt
from client.cli import EXIT_OK, EXIT_USAGE, LOCAL_STATES, VERDICTS, Out
from client.config import Settings
from client.errors import ConflictError, GovDeskError
from client.types import (
    Attachment,
    DocumentDetail,
    InboxFilters,
    InboxRow,
    InboxView,
    NoticeRow,
    OpinionView,
    TaskInfo,
)
from protocol import workflow_rules as rules

VIEWS = {"todo": InboxView.TODO, "done": InboxView.DONE, "all": InboxView.RECEIVED,
         "circulate": InboxView.CIRCULATE}
DEFAULT_LIMIT = 50

# Errors that say the command was asked wrongly (exit 2), not that the world refused it:
# the sign-off rules' codes (protocol/workflow_rules.check_signoff, raised by the service),
# an unknown recipient, and a reference that names more than one thing.
USAGE_CODES = frozenset({
    "task.decision_not_allowed", "task.forward_required", "task.forward_to_self",
    "opinion.reason_required", "opinion.too_long", "user.unknown", "document.ambiguous_number",
    "document.several_pending_tasks", "delivery.not_found",
})

# (zh, en) labels, as the UI's translations show them (client/ui/fmt.py).
URGENCY = {"very_urgent": ("特急", "extra urgent"), "urgent": ("加急", "urgent"),
           "normal": ("", "")}
TASK_KINDS = {"propose": ("拟办", "propose"), "instruct": ("批示", "instruct"),
              "countersign": ("会签", "countersign"), "handle": ("承办", "handle"),
              "read": ("阅知", "read")}
TASK_STATUS = {"pending": ("待办", "pending"), "done": ("已办结", "completed"),
               "returned": ("已退回", "returned"), "cancelled": ("已撤销", "cancelled")}
DOC_STATUS = {"registered": ("已登记", "registered"), "in_progress": ("办理中", "in progress"),
              "completed": ("已办结", "completed"), "archived": ("已归档", "archived")}


def _label(table: dict[str, tuple[str, str]], key: str | None, out: Out) -> str:
    zh, en = table.get(key or "", (key or "", key or ""))
    return out.t(zh, en)


def _decision_label(decision: str, out: Out) -> str:
    from client.services.signoff import DECISION_LABELS

    return DECISION_LABELS.get(decision, decision) if out.zh else decision


def _now() -> datetime:
    return datetime.now(UTC)


def _write(text: str, out: Out) -> None:
    try:
        print(text, file=out.stream, flush=True)
    except BrokenPipeError:  # `| head`: the reader has all it wants
        out.stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def _print_json(value: Any, out: Out) -> None:
    _write(json.dumps(value, ensure_ascii=False, indent=2), out)


def _lines(lines: list[str], out: Out) -> None:
    if lines:
        _write("\n".join(lines), out)


@contextmanager
def _profile(args: argparse.Namespace, settings: Settings) -> Iterator[Any]:
    """The last account's profile (or --server/--user's), opened offline from the keyring."""
    from client.session import Profile

    profile = Profile.resume(settings.server_url if args.server else None, args.user,
                             settings=settings)
    try:
        assert profile.services is not None
        yield profile
    finally:
        profile.close()


def _usage_failure(exc: GovDeskError, out: Out) -> int:
    out.error(exc)
    return EXIT_USAGE


# --- JSON shapes (docs/cli.md) ---------------------------------------------------------------


def inbox_row_json(r: InboxRow) -> dict[str, Any]:
    return {"document_id": r.document_id, "task_id": r.task_id, "doc_number": r.doc_number,
            "title": r.title, "issuer": r.issuer, "doc_type": r.doc_type,
            "urgency": r.urgency, "status": r.status,
            "received_at": textfmt.rfc3339(r.received_at), "is_read": r.is_read,
            "task_kind": r.task_kind, "task_status": r.task_status,
            "due_at": textfmt.rfc3339(r.due_at), "local_state": r.local_state}


def attachment_json(a: Attachment) -> dict[str, Any]:
    return {"name": a.name, "sha256": a.sha256, "media_type": a.media_type, "size": a.size,
            "available": a.available}


def task_json(t: TaskInfo) -> dict[str, Any]:
    return {"id": t.id, "kind": t.kind, "status": t.status, "assignee_id": t.assignee_id,
            "assignee_name": t.assignee_name, "created_by": t.created_by,
            "due_at": textfmt.rfc3339(t.due_at), "local_state": t.local_state}


def opinion_json(o: OpinionView) -> dict[str, Any]:
    return {"id": o.id, "task_id": o.task_id, "author_id": o.author_id,
            "author_name": o.author_name, "author_title": o.author_title,
            "decision": o.decision, "text": o.text, "forward_to": list(o.forward_to),
            "forward_to_names": list(o.forward_to_names), "signed_at": o.signed_at,
            "key_id": (o.signature or {}).get("key_id"),
            "verdict": o.verdict.value if o.verdict else None, "local_state": o.local_state}


def workflow_order(tasks: list[TaskInfo]) -> list[TaskInfo]:
    """拟办, 批示, 会签, 承办, 阅知 (protocol's order of task kinds), then by due time."""
    order = {kind: i for i, kind in enumerate(rules.TASK_KINDS)}
    return sorted(tasks, key=lambda t: (order.get(t.kind, len(order)),
                                        t.due_at.timestamp() if t.due_at else 0.0, t.id))


def document_json(d: DocumentDetail) -> dict[str, Any]:
    return {
        "document": {
            "id": d.id, "doc_number": d.doc_number, "title": d.title, "issuer": d.issuer,
            "doc_type": d.doc_type, "urgency": d.urgency, "classification": d.classification,
            "signatory": d.signatory, "main_recipients": list(d.main_recipients),
            "cc": list(d.cc), "issued_on": d.issued_on,
            "received_at": textfmt.rfc3339(d.received_at),
            "registration_number": d.registration_number, "status": d.status,
            "notes": d.notes, "is_read": d.is_read, "digest": d.digest,
            "digest_matches": not d.digest or d.digest == d.local_digest,
        },
        "body": attachment_json(d.body) if d.body else None,
        "attachments": [attachment_json(a) for a in d.attachments],
        "tasks": [task_json(t) for t in workflow_order(d.tasks)],
        "opinions": [opinion_json(o) for o in d.opinions],
    }


def notice_row_json(n: NoticeRow) -> dict[str, Any]:
    return {"id": n.id, "title": n.title, "publisher_id": n.publisher_id,
            "publisher_name": n.publisher_name, "urgent": n.urgent,
            "requires_ack": n.requires_ack, "published_at": textfmt.rfc3339(n.published_at),
            "expires_at": textfmt.rfc3339(n.expires_at), "is_read": n.is_read,
            "acked": n.acked, "local_state": n.local_state}


# --- inbox -----------------------------------------------------------------------------------


def cmd_inbox(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    view = VIEWS[args.view]
    filters = InboxFilters(text=args.search or "")
    with _profile(args, settings) as profile:
        inbox = profile.services.inbox
        total = inbox.count(view, filters)
        rows: list[InboxRow] = []
        for row in inbox.iter_all(view, filters):
            if args.limit and len(rows) >= args.limit:
                break
            rows.append(row)
    if args.json:
        _print_json({"view": args.view, "search": args.search, "total": total,
                     "rows": [inbox_row_json(r) for r in rows]}, out)
        return EXIT_OK
    if not rows:
        out.say("（没有公文）", "(no documents)")
        return EXIT_OK
    task_view = view != InboxView.RECEIVED
    now = datetime.now(textfmt.CHINA_TZ)
    head = [out.t("紧急", "Urgency"), out.t("文号", "Number"), out.t("标题", "Title"),
            out.t("环节" if task_view else "状态", "Step" if task_view else "Status"),
            out.t("收文时间", "Received"), out.t("办理时限", "Due"), out.t("公文编号", "Document")]
    table = [head]
    for r in rows:
        step = (_label(TASK_KINDS, r.task_kind, out) if task_view
                else _label(DOC_STATUS, r.status, out))
        if r.local_state in LOCAL_STATES:
            step += f"（{out.t(*LOCAL_STATES[r.local_state])}）" if out.zh else \
                f" ({LOCAL_STATES[r.local_state][1]})"
        due = textfmt.short_datetime_text(r.due_at, zh=out.zh, now=now) or "-"
        if r.due_at is not None and r.task_status == "pending" and r.due_at < now:
            due += out.t("（超期）", " (overdue)")
        table.append([_label(URGENCY, r.urgency, out) or "-", r.doc_number or "-",
                      textfmt.clip(r.title, 40), step,
                      textfmt.short_datetime_text(r.received_at, zh=out.zh, now=now) or "-",
                      due, r.document_id])
    _lines(textfmt.table(table), out)
    if len(rows) < total:
        out.say(f"共 {total} 条，显示前 {len(rows)} 条（--limit 0 显示全部）。",
                f"{total} in all, the first {len(rows)} shown (--limit 0 shows all).")
    else:
        out.say(f"共 {total} 条。", f"{total} in all.")
    return EXIT_OK


# --- show ------------------------------------------------------------------------------------


def _document_id(profile: Any, ref: str) -> str:
    """A document id from an id or a unique 文号; the service's not-found error otherwise."""
    found = profile.services.documents.find(ref)
    if len(found) > 1:
        raise GovDeskError("document.ambiguous_number", count=len(found), ref=ref,
                           ids="、".join(found))
    return found[0] if found else ref


def _attachment_line(kind: str, a: Attachment, out: Out) -> list[str]:
    have = out.t("已下载", "downloaded") if a.available else out.t("未下载", "not downloaded")
    return [kind, a.name or "-", textfmt.size_text(a.size), have]


def cmd_show(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    with _profile(args, settings) as profile:
        try:
            doc_id = _document_id(profile, args.document)
        except GovDeskError as exc:
            if exc.code in USAGE_CODES:
                return _usage_failure(exc, out)
            raise
        # Opening is what the GUI does: the view is audited and the document marked read.
        detail = profile.services.documents.open(doc_id, now=_now())
    if args.json:
        _print_json(document_json(detail), out)
        return EXIT_OK
    d = detail
    dt = textfmt.datetime_text
    out.say(f"{d.doc_number}  {d.title}", f"{d.doc_number}  {d.title}")
    meta = [
        [out.t("来文单位", "Issuer"), d.issuer],
        [out.t("文种", "Type"), d.doc_type],
        [out.t("紧急程度", "Urgency"), _label(URGENCY, d.urgency, out) or out.t("普通", "normal")],
        [out.t("签发人", "Signatory"), d.signatory],
        [out.t("主送", "To"), "、".join(d.main_recipients)],
        [out.t("抄送", "Cc"), "、".join(d.cc)],
        [out.t("成文日期", "Issued on"), textfmt.date_text(d.issued_on, zh=out.zh)],
        [out.t("收文时间", "Received"), dt(d.received_at, zh=out.zh)],
        [out.t("收文编号", "Registration"), d.registration_number],
        [out.t("状态", "Status"), _label(DOC_STATUS, d.status, out)],
        [out.t("公文编号", "Document id"), d.id],
    ]
    if d.classification not in ("", "none"):
        meta.insert(3, [out.t("密级", "Classification"), d.classification])
    if d.notes:
        meta.append([out.t("备注", "Notes"), d.notes])
    _lines(["  " + line for line in textfmt.table([m for m in meta if m[1]])], out)
    if d.digest and d.digest != d.local_digest:
        out.say("警告：本机计算的公文摘要与平台记录不一致！",
                "WARNING: the document digest computed here differs from the platform's!")

    out.say("\n办理环节", "\nSteps")
    if not d.tasks:
        out.say("  （没有）", "  (none)")
    rows = []
    for t in workflow_order(d.tasks):
        status = _label(TASK_STATUS, t.status, out)
        if t.local_state in LOCAL_STATES:
            status += out.t(f"（{LOCAL_STATES[t.local_state][0]}）",
                            f" ({LOCAL_STATES[t.local_state][1]})")
        due = dt(t.due_at, zh=out.zh)
        rows.append([_label(TASK_KINDS, t.kind, out), t.assignee_name, status,
                     out.t(f"时限 {due}", f"due {due}") if due else "", t.id])
    _lines(["  " + line for line in textfmt.table(rows)], out)

    out.say("\n意见", "\nOpinions")
    if not d.opinions:
        out.say("  （没有意见）", "  (no opinions)")
    for o in d.opinions:
        verdict = o.verdict.value if o.verdict else "invalid"
        zh, en = VERDICTS.get(verdict, (verdict, verdict))
        state = ""
        if o.local_state:
            lz, le = LOCAL_STATES.get(o.local_state, (o.local_state, o.local_state))
            state = f" [{out.t(lz, le)}]"
        who = f"{o.author_name}（{o.author_title}）" if o.author_title and out.zh else \
            (f"{o.author_name} ({o.author_title})" if o.author_title else o.author_name)
        to = ""
        if o.forward_to_names:
            to = out.t(f" → {'、'.join(o.forward_to_names)}", f" → {', '.join(o.forward_to_names)}")
        if out.zh:
            line = (f"  - {who} {dt(o.signed_at)} {_decision_label(o.decision, out)}{to}："
                    f"{o.text}  [{zh}]{state}")
        else:
            line = f"  - {who} {dt(o.signed_at, zh=False)} {o.decision}{to}: {o.text}  [{en}]{state}"
        print(line, file=out.stream)

    out.say("\n正文与附件", "\nBody and attachments")
    files = ([_attachment_line(out.t("正文", "Body"), d.body, out)] if d.body else []) + [
        _attachment_line(out.t("附件", "Attachment"), a, out) for a in d.attachments]
    if not files:
        out.say("  （没有）", "  (none)")
    _lines(["  " + line for line in textfmt.table(files)], out)
    return EXIT_OK


# --- sign ------------------------------------------------------------------------------------


def _decision(value: str) -> str:
    """An English decision name as protocol/workflow_rules.py spells it, or its label."""
    from client.services.signoff import DECISION_LABELS

    by_label = {zh: en for en, zh in DECISION_LABELS.items()}
    return by_label.get(value.strip(), value.strip())


def _user_ids(profile: Any, refs: list[str]) -> list[str]:
    """User ids from ids or usernames; an unknown one is passed on for the service to refuse."""
    ids = []
    for ref in refs:
        person = profile.services.directory.find_person(ref)
        ids.append(person.id if person else ref)
    return ids


def _task_id(profile: Any, ref: str) -> str:
    """A task id, or my one pending task on the document `ref` names (id or 文号)."""
    documents = profile.services.documents.find(ref)
    if not documents:
        return ref  # a task id, or not: the service says which
    if len(documents) > 1:
        raise GovDeskError("document.ambiguous_number", count=len(documents), ref=ref,
                           ids="、".join(documents))
    pending = profile.services.signoff.my_pending_tasks_on(documents[0])
    if not pending:
        raise ConflictError("document.no_pending_task")
    if len(pending) > 1:
        raise GovDeskError("document.several_pending_tasks",
                           ids="、".join(f"{t.id}（{t.kind}）" for t in pending))
    return str(pending[0].id)


def cmd_sign(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    with _profile(args, settings) as profile:
        try:
            task_id = _task_id(profile, args.task)
            result = profile.services.signoff.complete_task(
                task_id, decision=_decision(args.decision), text=args.text or "",
                forward_to=_user_ids(profile, args.to or []),
                circulate_to=_user_ids(profile, args.circulate_to or []),
                countersign_to=_user_ids(profile, args.countersign_to or []),
                signer=profile.signer(), now=_now())
        except GovDeskError as exc:
            if exc.code in USAGE_CODES:
                return _usage_failure(exc, out)
            raise
        doc = profile.services.documents.get(result.document_id, verify_signatures=False)
    decision = _decision(args.decision)
    if args.json:
        _print_json({"op_id": result.op_id, "task_id": result.task_id,
                     "document_id": result.document_id, "decision": decision,
                     "signed_at": result.signed_at, "key_id": result.signature.get("key_id"),
                     "state": "queued"}, out)
        return EXIT_OK
    out.say(f"已签批（{_decision_label(decision, out)}）：{doc.doc_number} {doc.title}。"
            "意见已签名并保存在本机，下次 sync 时发送到平台。",
            f"Signed ({decision}): {doc.doc_number} {doc.title}. The signed opinion is kept "
            "here and sent to the platform at the next sync.")
    return EXIT_OK


# --- notices ---------------------------------------------------------------------------------


def cmd_notices(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    with _profile(args, settings) as profile:
        service = profile.services.notices
        now = _now()
        rows: list[NoticeRow] = []
        after = None
        while True:
            page, after = service.list(now=now, after=after, limit=200,
                                       include_expired=args.all)
            rows.extend(page)
            if after is None:
                break
    if args.json:
        _print_json({"total": len(rows), "rows": [notice_row_json(n) for n in rows]}, out)
        return EXIT_OK
    if not rows:
        out.say("（没有通知）", "(no notices)")
        return EXIT_OK
    table = [[out.t("状态", "State"), out.t("发布时间", "Published"), out.t("发布人", "By"),
              out.t("标题", "Title"), out.t("通知编号", "Notice")]]
    when = datetime.now(textfmt.CHINA_TZ)
    for n in rows:
        marks = []
        if n.urgent:
            marks.append(out.t("紧急", "urgent"))
        if n.requires_ack and not n.acked:
            marks.append(out.t("待确认", "to confirm"))
        elif n.acked:
            marks.append(out.t("已确认（待同步）", "confirmed (not synced)")
                         if n.local_state == "pending_sync" else out.t("已确认", "confirmed"))
        elif not n.is_read:
            marks.append(out.t("未读", "unread"))
        table.append([out.t("，", ", ").join(marks) or "-",
                      textfmt.short_datetime_text(n.published_at, zh=out.zh, now=when) or "-",
                      n.publisher_name or "-", textfmt.clip(n.title, 44), n.id])
    _lines(textfmt.table(table), out)
    out.say(f"共 {len(rows)} 条。", f"{len(rows)} in all.")
    return EXIT_OK


def cmd_ack(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    with _profile(args, settings) as profile:
        notices = profile.services.notices
        queued = bool(notices.acknowledge(args.notice, now=_now()))  # the changes it made
        title = notices.get(args.notice).row.title
    if args.json:
        _print_json({"notice_id": args.notice, "title": title, "queued": queued}, out)
    elif queued:
        out.say(f"已确认收到：{title}。回执保存在本机，下次 sync 时发送到平台。",
                f"Receipt confirmed: {title}. Sent to the platform at the next sync.")
    else:
        out.say(f"此前已确认收到：{title}。", f"Already confirmed: {title}.")
    return EXIT_OK


# --- 公文交换: the clerk's 待签收 box ----------------------------------------------------------


def box_json(service: Any, *, now: datetime, limit: int = 0) -> dict[str, Any]:
    """`exchange --json`: the 待签收 box, most urgent first (client.services.exchange)."""
    rows: list[Any] = []
    after = None
    while True:
        page = service.box_page(after=after, limit=200, now=now)
        rows.extend(page.rows)
        after = page.next_after
        if after is None or (limit and len(rows) >= limit):
            break
    rows = rows[:limit] if limit else rows
    counts = service.box_counts(now=now)
    return {"to_receive": counts.to_receive, "overdue": counts.overdue,
            "waiting": counts.waiting, "total": len(rows),
            "rows": [{"id": r.id, "title": r.title, "doc_number": r.doc_number,
                      "issuer": r.issuer, "sender_unit": r.sender_unit,
                      "doc_type": r.doc_type, "urgency": r.urgency, "role": r.role,
                      "sent_at": _iso(r.sent_at), "due_at": _iso(r.due_at),
                      "overdue": r.overdue, "local_state": r.local_state} for r in rows]}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(textfmt.CHINA_TZ).isoformat(
        timespec="seconds")


def cmd_exchange(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    with _profile(args, settings) as profile:
        box = box_json(profile.services.exchange, now=_now(), limit=args.limit)
    if args.json:
        _print_json(box, out)
        return EXIT_OK
    if not box["rows"]:
        out.say("（没有待签收的公文）", "(nothing to receive)")
        return EXIT_OK
    table = [[out.t("紧急", "Urgency"), out.t("文号", "Number"), out.t("标题", "Title"),
              out.t("来文单位", "From"), out.t("签收时限", "Receive by"),
              out.t("编号", "Delivery")]]
    for r in box["rows"]:
        due = textfmt.short_datetime_text(r["due_at"], zh=out.zh) or "-"
        if r["overdue"]:
            due = out.t(f"已超时（{due}）", f"overdue ({due})")
        elif r["local_state"]:
            due = out.t("已处理，待发送", "done here, not sent")
        table.append([_label(URGENCY, r["urgency"], out) or "-", r["doc_number"] or "-",
                      textfmt.clip(r["title"], 40), textfmt.clip(r["sender_unit"], 14), due,
                      r["id"]])
    _lines(textfmt.table(table), out)
    out.say(f"共 {box['total']} 件，待签收 {box['to_receive']} 件，超时 {box['overdue']} 件。",
            f"{box['total']} in all, {box['to_receive']} to receive, "
            f"{box['overdue']} overdue.")
    return EXIT_OK


def receipt_json(service: Any, delivery_id: str, *, reason: str | None,
                 now: datetime) -> dict[str, Any]:
    """`receive --json` / `refuse --json`: 签收 or 拒收 queued for the next sync."""
    queued = (service.refuse(delivery_id, reason, now=now) if reason is not None
              else service.receive(delivery_id, now=now))
    detail = service.get(delivery_id, now=now)
    out = {"delivery_id": delivery_id, "title": str(detail.document.get("title") or ""),
           "doc_number": str(detail.document.get("doc_number") or ""),
           "op_id": queued.op_id, "state": detail.local_state}
    if reason is not None:
        out["reason"] = reason.strip()
    return out


def cmd_receive(args: argparse.Namespace, settings: Settings, out: Out) -> int:
    refuse = args.command == "refuse"
    try:
        with _profile(args, settings) as profile:
            done = receipt_json(profile.services.exchange, args.delivery,
                                reason=args.reason if refuse else None, now=_now())
    except GovDeskError as exc:
        if exc.code in USAGE_CODES:
            return _usage_failure(exc, out)
        raise
    if args.json:
        _print_json(done, out)
    elif refuse:
        out.say(f"已拒收：{done['title']}（原因：{done['reason']}）。下次 sync 时退回来文单位。",
                f"Refused: {done['title']} ({done['reason']}). Sent back at the next sync.")
    else:
        out.say(f"已签收：{done['title']}。下次 sync 时发送到平台，随后可登记分办。",
                f"Received: {done['title']}. Sent to the platform at the next sync.")
    return EXIT_OK


# --- parsing ---------------------------------------------------------------------------------


def _limit(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 (all) or more")
    return n


def add_parsers(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add inbox/show/sign/notices/ack to cli.build_parser's subparsers."""
    p = sub.add_parser("inbox", help="收件箱 / the inbox")
    common(p)
    p.add_argument("--view", choices=list(VIEWS), default="todo",
                   help="待办/已办/全部收文/传阅 (todo/done/all/circulate; default todo)")
    p.add_argument("--search", metavar="TEXT", help="全文检索 / full-text search")
    p.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT,
                   help=f"最多几条，0 为全部 / at most N rows, 0 for all (default {DEFAULT_LIMIT})")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_inbox)

    p = sub.add_parser("show", help="查看公文 / show a document")
    common(p)
    p.add_argument("document", metavar="DOC", help="公文编号或文号 / document id or 文号")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_show)

    p = sub.add_parser("sign", help="签批 / sign off a task (queued until the next sync)")
    common(p)
    p.add_argument("task", metavar="TASK",
                   help="待办编号，或只有一项待办的公文编号 / task id, or a document id")
    p.add_argument("--decision", required=True, metavar="D",
                   help="approve/return/forward/read/done 或 同意/退回/转办/已阅/办结")
    p.add_argument("--text", metavar="T", help="意见 / opinion text")
    p.add_argument("--to", nargs="+", metavar="USER",
                   help="送/转办给（用户编号或用户名）/ forward_to: user ids or usernames")
    p.add_argument("--circulate-to", nargs="+", metavar="USER",
                   help="传阅（批示同意时）/ circulate_to (instruct approve)")
    p.add_argument("--countersign-to", nargs="+", metavar="USER",
                   help="会签（拟办同意时）/ countersign_to (propose approve)")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_sign)

    p = sub.add_parser("notices", help="通知公告 / notices")
    common(p)
    p.add_argument("--all", action="store_true", help="包括已过期的 / include expired ones")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_notices)

    p = sub.add_parser("ack", help="确认收到通知 / confirm receipt of a notice")
    common(p)
    p.add_argument("notice", metavar="NOTICE", help="通知编号 / notice id")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_ack)

    p = sub.add_parser("exchange", help="待签收 / the clerk's exchange box")
    common(p)
    p.add_argument("--limit", type=_limit, default=0,
                   help="最多几条，0 为全部 / at most N rows, 0 for all (default 0)")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_exchange)

    p = sub.add_parser("receive", help="签收 / receive a delivery (queued until the next sync)")
    common(p)
    p.add_argument("delivery", metavar="DELIVERY", help="交换编号 / delivery id")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_receive)

    p = sub.add_parser("refuse", help="拒收 / refuse a delivery, with a reason")
    common(p)
    p.add_argument("delivery", metavar="DELIVERY", help="交换编号 / delivery id")
    p.add_argument("--reason", required=True, metavar="R",
                   help="拒收原因，如 非本单位来文 / the reason, e.g. 非本单位来文")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(desk_command=cmd_receive)


COMMAND_NAMES = ("inbox", "show", "sign", "notices", "ack", "exchange", "receive", "refuse")
