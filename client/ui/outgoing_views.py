"""The views of one 发文: a step to act on (核稿 / 会签 / 签发 / 修改) with the version diff,
and an outgoing's record with the clerk's 编号 / 用印 / 核发 / 撤销 and the 回执 table.

Thin: they show what the services computed (client.services.outgoing, receipts) and
emit requests; the page runs them on the database thread.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from client.services.outgoing import OutgoingDetail, StepView, VersionInfo
from client.services.receipts import ReceiptSummary
from client.ui import fmt, theme
from client.ui.body_editor import BodyEditor
from client.ui.handwriting_pad import HandwritingPad
from client.ui.resources import icon
from protocol import docbody
from protocol import outgoing_rules as rules


class _Text(QObject):
    """This module's labels that belong to no one widget (one translation context)."""

    def status(self, status: str) -> str:
        return {
            "draft": self.tr("Draft"), "queued": self.tr("Waiting to be sent"),
            "submitted": self.tr("Submitted"), "conflict": self.tr("Refused"),
            "rejected": self.tr("Refused"), "reviewing": self.tr("In review (核稿)"),
            "countersigning": self.tr("Countersigning (会签)"),
            "signing": self.tr("Waiting for 签发"), "signed": self.tr("Signed for issue"),
            "numbered": self.tr("Numbered"), "sealed": self.tr("Sealed"),
            "issued": self.tr("Issued"), "revising": self.tr("Returned for revision"),
            "cancelled": self.tr("Cancelled"),
        }.get(status, status)

    def decision(self, kind: str, decision: str) -> str:
        if decision == "return":
            return self.tr("Return")
        if decision == "resubmit":
            return self.tr("Resubmit")
        return {"sign": self.tr("Approve for issue"), "review": self.tr("Approve"),
                "countersign": self.tr("Agree")}.get(kind, decision)

    def version_head(self, v: VersionInfo) -> str:
        ok = self.tr("hash verified") if v.hash_ok else self.tr("HASH DOES NOT MATCH")
        colour = "#1b6e35" if v.hash_ok else "#a31515"
        label = self.tr("Version %1 (%2)").replace("%1", str(v.number)).replace(
            "%2", v.author_name)
        note = f" — {html.escape(v.note)}" if v.note else ""
        return (f"<div>{html.escape(label)}：<code>{short(v.body_sha256)}…</code> "
                f"<span style='color:{colour}'>{html.escape(ok)}</span>{note}</div>")

    def first_version(self) -> str:
        return self.tr("First version: nothing to compare.")

    def facts(self, d: OutgoingDetail) -> list[tuple[str, str]]:
        data = d.data

        def names(groups: list[dict[str, Any]]) -> str:
            return "、".join(str(g.get("name", "")) for g in groups or []) or "—"

        rows = [
            (self.tr("Kind"), str(data.get("doc_type", ""))),
            (self.tr("Drafted by"),
             f"{d.unit_name} {d.names.get(str(data.get('drafter_id')), '')}"),
            (self.tr("Main recipients"), names(data.get("main_recipients") or [])),
            (self.tr("Copy to"), names(data.get("cc") or [])),
            (self.tr("Signs for issue"), d.names.get(str(data.get("signatory_id")), "")),
            (self.tr("Number"), str(data.get("doc_number") or "—")),
            # 2026年12月2日 as printed on the document (it showed 2026-12-02).
            (self.tr("Date (成文日期)"),
             fmt.date_text(data["issued_on"]) if data.get("issued_on") else "—"),
            (self.tr("Notes"), str(data.get("notes") or "—")),
        ]
        atts = data.get("attachments") or []
        if atts:
            rows.append((self.tr("Attachments"), "；".join(
                f"{i}. {a.get('name', '')}" for i, a in enumerate(atts, start=1))))
        return rows

    def digest(self, d: OutgoingDetail) -> str:
        if d.digest_ok:
            return self.tr("Digest %1 verified").replace("%1", short(d.digest))
        return self.tr("Digest NOT verified: sync, then read it again")


_text: _Text | None = None


def words() -> _Text:
    global _text
    if _text is None:
        _text = _Text()
    return _text


def status_label(status: str) -> str:
    """The status of a 发文 (or of my draft) in words."""
    return words().status(status)


def decision_label(kind: str, decision: str) -> str:
    return words().decision(kind, decision)


STEP_TITLES = {"review": "核稿", "countersign": "会签", "sign": "签发", "revise": "修改"}


def short(sha: str | None) -> str:
    return (sha or "")[:16]


def diff_html(old: VersionInfo | None, new: VersionInfo | None,
              lines: list[docbody.DiffLine]) -> str:
    """The diff of two versions as HTML: removed lines struck in red, added in green, the
    hash of each version on top (and whether it matches its text)."""
    parts = [words().version_head(v) for v in (old, new) if v is not None]
    if old is None:
        parts.append(f"<p><i>{html.escape(words().first_version())}</i></p>")
        lines = [docbody.DiffLine(" ", t) for t in
                 (docbody.numbered_lines(new.body) if new else [])]
    parts.append("<table width='100%' cellspacing='0' cellpadding='3'>")
    for line in lines:
        text = html.escape(line.text) or "&nbsp;"
        if line.tag == "+":
            parts.append(f"<tr><td style='background:#e3f4e7;color:#0b5d1e'><b>＋</b> {text}"
                         "</td></tr>")
        elif line.tag == "-":
            parts.append(f"<tr><td style='background:#fbe4e2;color:#8a1c12'><b>－</b> "
                         f"<s>{text}</s></td></tr>")
        else:
            parts.append(f"<tr><td style='color:#333'>&nbsp;&nbsp;&nbsp;{text}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def facts_html(d: OutgoingDetail) -> str:
    body = "".join(f"<tr><td style='color:#5f6b7a;padding-right:10px'>{html.escape(k)}</td>"
                   f"<td>{html.escape(v)}</td></tr>" for k, v in words().facts(d))
    colour = "#1b6e35" if d.digest_ok else "#a31515"
    return (f"<table>{body}</table>"
            f"<div style='color:{colour}'>{html.escape(words().digest(d))}</div>")


def route_html(d: OutgoingDetail) -> str:
    """办理过程: each step with who, the decision, the version and the opinion (in the
    record, and in an open step's 公文要素: the leader signing sees the 核稿 opinion)."""
    # The record's words, in its translation context (lupdate reads these literals).
    translate = QCoreApplication.translate
    heading = translate("OutgoingRecord", "Route")
    states = {"pending": translate("OutgoingRecord", "waiting"),
              "returned": translate("OutgoingRecord", "returned"),
              "cancelled": translate("OutgoingRecord", "withdrawn")}
    parts = [f"<b>{html.escape(heading)}</b><table cellpadding='2'>"]
    for s in d.steps:
        what = STEP_TITLES.get(s.kind, s.kind)
        if s.status == "done":
            verdict = decision_label(s.kind, s.decision or "")
        elif s.status == "pending" and s.local_mark == "pending_sync":
            verdict = translate("OutgoingRecord", "done here, waiting to be sent")
        else:
            verdict = states.get(s.status, s.status)
        version = (translate("OutgoingRecord", "version %1").replace(
            "%1", str(s.version_number)) if s.version_number else "")
        parts.append(f"<tr><td>{what}</td><td>{html.escape(s.assignee_name)}</td>"
                     f"<td>{html.escape(verdict)}</td><td>{html.escape(version)}</td>"
                     f"<td>{html.escape(s.text)}</td></tr>")
    for what, who, at, verdict in clerk_steps(d):
        parts.append(f"<tr><td>{what}</td><td>{html.escape(who)}</td>"
                     f"<td nowrap>{html.escape(verdict)}</td><td></td>"
                     f"<td nowrap>{html.escape(at)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


CLERK_STEPS = (("number", "编号", "numbered_by", "numbered_at", "numbered"),
               ("seal", "用印", "sealed_by", "sealed_at", "sealed"),
               ("issue", "核发", "issued_by", "issued_at", "issued"))


def clerk_steps(d: OutgoingDetail) -> list[tuple[str, str, str, str]]:
    """编号, 用印 and 核发 as lines of 办理过程: (step, who, when, what), once done on the
    platform, or done here and waiting to be sent. The route stopped at 签发."""
    translate = QCoreApplication.translate
    data, order = d.data, ["signed", "numbered", "sealed", "issued"]
    reached = order.index(d.status) if d.status in order else -1  # revising, cancelled: -1
    out: list[tuple[str, str, str, str]] = []
    for action, what, by, at, status in CLERK_STEPS:
        who = d.names.get(str(data.get(by) or ""), "")
        when = fmt.datetime_text(data[at]) if data.get(at) else ""
        done = reached >= order.index(status)
        if done or who:
            verdict = (str(data.get("doc_number") or "") if action == "number"
                       else translate("OutgoingRecord", "done"))
            out.append((what, who, when, verdict))
        elif d.local_action == action:
            out.append((what, "", "", translate("OutgoingRecord", "waiting to be sent")))
    return out


@dataclass(frozen=True)
class StepRequest:
    step_id: str
    decision: str
    text: str
    body: dict[str, Any] | None            # as on screen, when it may differ
    version_note: str
    handwriting_png: bytes | None
    shown_digest: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


class StepPanel(QWidget):
    """Open step: the document (and the diff) on the left, the decision on the right."""

    act_requested = Signal(object)  # StepRequest

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outgoingStep")
        self.view: StepView | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        left_layout.addWidget(self.title)
        self.tabs = QTabWidget()
        self.facts = QTextBrowser()
        self.body = BodyEditor()
        self.body.setReadOnly(True)
        self.diff = QTextBrowser()
        self.diff.setObjectName("versionDiff")
        self.tabs.addTab(self.body, self.tr("Text"))
        self.tabs.addTab(self.diff, self.tr("Changes from the last version"))
        self.tabs.addTab(self.facts, self.tr("Details"))
        left_layout.addWidget(self.tabs, 1)
        edit_row = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edit the text"))
        self.edit_button.setCheckable(True)
        self.edit_button.toggled.connect(self._editing)
        edit_row.addWidget(self.edit_button)
        self.version_note = QLineEdit()
        self.version_note.setPlaceholderText(self.tr("What was changed (修改说明)"))
        self.version_note.hide()
        edit_row.addWidget(self.version_note, 1)
        self.hashes = QLabel()
        self.hashes.setObjectName("muted")
        self.hashes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The hashes give way to the 修改说明 being typed (it was squeezed to five
        # characters by them); they stay whole in the tooltip.
        self.hashes.setMinimumWidth(1)
        self.hashes.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.version_note.setMinimumWidth(self.fontMetrics().horizontalAdvance("国") * 14)
        edit_row.addWidget(self.hashes)
        left_layout.addLayout(edit_row)
        split.addWidget(left)

        right = QWidget()
        right.setMinimumWidth(360)
        panel = QVBoxLayout(right)
        panel.setContentsMargins(12, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setObjectName("signHeading")
        self.heading.setFont(theme.ui_font(delta=6, bold=True))
        self.heading.setWordWrap(True)
        panel.addWidget(self.heading)
        self.decisions = QHBoxLayout()
        self.decision_group = QButtonGroup(self)
        self.decision_group.setExclusive(True)
        self.decision_group.buttonToggled.connect(self._decision_toggled)
        panel.addLayout(self.decisions)
        self.opinion_label = QLabel(self.tr("&Opinion:"))
        panel.addWidget(self.opinion_label)
        self.opinion = QPlainTextEdit()
        # Without a buddy a label shows its "&" as is ("意见(&O)：") and Alt+O does nothing.
        self.opinion_label.setBuddy(self.opinion)
        self.opinion.setFont(theme.ui_font(delta=4))
        self.opinion.setMaximumHeight(140)
        self.opinion.setTabChangesFocus(True)
        panel.addWidget(self.opinion)
        self.pad_label = QLabel(self.tr("Handwritten signature:"))
        panel.addWidget(self.pad_label)
        self.pad = HandwritingPad()
        panel.addWidget(self.pad)
        pad_row = QHBoxLayout()
        self.clear_pad = QPushButton(self.tr("Clear"))
        self.clear_pad.clicked.connect(self.pad.clear)
        pad_row.addWidget(self.clear_pad)
        pad_row.addStretch(1)
        panel.addLayout(pad_row)
        panel.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("errorBanner")
        self.message.setWordWrap(True)
        self.message.hide()
        panel.addWidget(self.message)
        self.act_button = QPushButton(icon("pen"), "")
        self.act_button.setObjectName("primary")
        self.act_button.setFont(theme.ui_font(delta=5, bold=True))
        self.act_button.setMinimumHeight(52)
        self.act_button.clicked.connect(self._act)
        panel.addWidget(self.act_button)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

    def show_step(self, view: StepView) -> None:
        self.view = view
        d, step = view.detail, view.step
        self.title.setText(str(d.data.get("title", "")))
        what = STEP_TITLES.get(step.kind, step.kind)
        pending = step.status == "pending" and step.local_mark == ""
        # A step done here (or, after a sync, on the platform) is no longer "yours to do":
        # the panel said 请您办理 and offered 修改正文 on it.
        self.heading.setText((self.tr("%1 — your step") if pending else
                              self.tr("%1 — done")).replace("%1", what))
        self.body.setReadOnly(True)
        self.edit_button.blockSignals(True)
        self.edit_button.setChecked(False)
        self.edit_button.blockSignals(False)
        self.version_note.hide()
        self.version_note.clear()
        # Done here with an edit: the text it sent (待发送), not the version it replaced.
        shown = d.pending_version if not pending and d.pending_version else d.current
        if shown is not None:
            self.body.set_body(shown.body)
        self.tabs.setTabText(0, body_tab_text(d) if shown is d.pending_version
                             else self.tr("Text"))
        self.diff.setHtml(diff_html(view.previous, d.current, view.diff))
        # The route too: who reviewed it and what they wrote (the leader signing saw
        # neither the 核稿 opinion nor who had approved it).
        self.facts.setHtml(facts_html(d) + "<br>" + route_html(d))
        self.tabs.setCurrentIndex(1 if view.previous is not None else 0)
        self.hashes.setText(self.tr("Text %1 · digest %2").replace(
            "%1", short(d.current.body_sha256 if d.current else "")).replace(
            "%2", short(d.digest)))
        self.hashes.setToolTip(self.hashes.text())
        # Edits in 核稿 become a new version; a revision edits the text too.
        can_edit = step.kind in ("review", "revise") and pending
        self.edit_button.setVisible(can_edit)
        signed = step.kind in rules.SIGNED_STEP_KINDS
        self.pad.setVisible(step.kind == "sign")
        self.pad_label.setVisible(step.kind == "sign")
        self.clear_pad.setVisible(step.kind == "sign")
        self.pad.clear()
        for b in list(self.decision_group.buttons()):
            self.decision_group.removeButton(b)
            b.deleteLater()
        for decision in view.decisions:
            b = QPushButton(decision_label(step.kind, decision))
            b.setCheckable(True)
            b.setFont(theme.ui_font(delta=4, bold=True))
            b.setMinimumHeight(44)
            b.setProperty("decision", decision)
            self.decision_group.addButton(b)
            self.decisions.addWidget(b)
        self.opinion.setPlainText(rules.DEFAULT_SIGN_TEXT if step.kind == "sign" else "")
        if self.decision_group.buttons():
            self.decision_group.buttons()[0].setChecked(True)
        self.act_button.setEnabled(pending and d.digest is not None)
        self.act_button.setToolTip(self.tr("Signed with this PC's key") if signed else "")
        if not pending:
            self.show_message(self.tr("Done here; waiting to be sent.")
                              if step.local_mark == "pending_sync" else "")
        elif d.digest is None:
            self.show_message(self.tr("The text on this PC does not match its hash. "
                                      "Sync, then open it again."))
        else:
            self.show_message("")

    def decision(self) -> str | None:
        b = self.decision_group.checkedButton()
        return b.property("decision") if b else None

    def select_decision(self, decision: str) -> None:
        for b in self.decision_group.buttons():
            if b.property("decision") == decision:
                b.setChecked(True)

    def _decision_toggled(self, _button: Any, _checked: bool) -> None:
        if self.view is None:
            return
        kind, decision = self.view.step.kind, self.decision() or ""
        self.act_button.setText(decision_label(kind, decision) if decision else "")
        if decision == "return":
            self.opinion.setPlaceholderText(self.tr("Reason for returning it (required)"))
            if self.opinion.toPlainText() == rules.DEFAULT_SIGN_TEXT:
                self.opinion.clear()
        else:
            self.opinion.setPlaceholderText("")
            if kind == "sign" and not self.opinion.toPlainText():
                self.opinion.setPlainText(rules.DEFAULT_SIGN_TEXT)

    def _editing(self, on: bool) -> None:
        self.body.setReadOnly(not on)
        self.version_note.setVisible(on)
        if on:
            self.tabs.setCurrentWidget(self.body)
            self.body.setFocus()

    def _act(self) -> None:
        view, decision = self.view, self.decision()
        if view is None or decision is None:
            return
        text = self.opinion.toPlainText().strip()
        if decision == "return" and not text:
            self.show_message(self.tr("Please give a reason for returning it."))
            return
        edited = not self.body.isReadOnly()
        png = self.pad.png_bytes() if self.pad.isVisible() and not self.pad.is_empty() else None
        self.act_button.setEnabled(False)
        self.act_requested.emit(StepRequest(
            step_id=view.step.id, decision=decision, text=text,
            body=self.body.body() if edited else None,
            version_note=self.version_note.text().strip(), handwriting_png=png,
            shown_digest=view.detail.digest))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def failed(self, text: str) -> None:
        self.show_message(text)
        self.act_button.setEnabled(True)


RECEIPT_COLUMNS = ("unit", "role", "status", "by", "at", "reason")


class OutgoingRecord(QWidget):
    """An outgoing's record: facts, route, the clerk's buttons and the 回执 table."""

    action_requested = Signal(str, str, str)  # outgoing id, action, reason
    open_pdf_requested = Signal(str)           # outgoing id: its issued GB/T 9704 PDF

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outgoingRecord")
        self.detail: OutgoingDetail | None = None
        self.is_clerk = False
        layout = self.layout_ = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.status = QLabel()
        self.status.setFont(theme.ui_font(delta=2, bold=True))
        layout.addWidget(self.status)
        top = QSplitter(Qt.Orientation.Horizontal)
        self.facts = QTextBrowser()
        self.route = QTextBrowser()
        # The text as it stands (a 核稿 edit made here shows at once, 待发送).
        self.body = BodyEditor()
        self.body.setReadOnly(True)
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.facts, self.tr("Details"))
        self.left_tabs.addTab(self.body, self.tr("Text"))
        top.addWidget(self.left_tabs)
        top.addWidget(self.route)
        top.setMaximumHeight(230)
        self.top = top
        layout.addWidget(top)
        clerk = QHBoxLayout()
        self.number_button = QPushButton(self.tr("Number (编号)"))
        self.seal_button = QPushButton(self.tr("Seal (用印)"))
        self.issue_button = QPushButton(self.tr("Issue (核发)"))
        self.cancel_button = QPushButton(self.tr("Cancel…"))
        # After 核发 the document itself: the record had no way to see what was issued.
        self.pdf_button = QPushButton(icon("attachment"), self.tr("Open the issued document "
                                                                 "(PDF)"))
        self.pdf_button.setMinimumHeight(36)
        self.pdf_button.clicked.connect(
            lambda: self.detail is not None and self.open_pdf_requested.emit(self.detail.id))
        clerk.addWidget(self.pdf_button)
        for b in (self.number_button, self.seal_button, self.issue_button):
            b.setObjectName("primary")
            b.setMinimumHeight(36)
            clerk.addWidget(b)
        clerk.addStretch(1)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        clerk.addWidget(self.hint)
        clerk.addWidget(self.cancel_button)
        layout.addLayout(clerk)
        self.number_button.clicked.connect(lambda: self._act("number"))
        self.seal_button.clicked.connect(lambda: self._act("seal"))
        self.issue_button.clicked.connect(lambda: self._act("issue"))
        self.cancel_button.clicked.connect(self._cancel)
        self.receipt_title = QLabel(self.tr("Receipts (回执)"))
        self.receipt_title.setObjectName("sectionTitle")
        layout.addWidget(self.receipt_title)
        self.receipt_summary = QLabel()
        layout.addWidget(self.receipt_summary)
        self.receipts = QTableWidget(0, len(RECEIPT_COLUMNS))
        self.receipts.setObjectName("receiptsTable")
        self.receipts.setHorizontalHeaderLabels([
            self.tr("Unit"), self.tr("As"), self.tr("Status"), self.tr("By"),
            self.tr("When"), self.tr("Reason")])
        self.receipts.verticalHeader().hide()
        self.receipts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.receipts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.receipts.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.receipts, 1)
        # Before 核发 there is no table: the room left goes below everything, not in even
        # gaps between the title, the status and the facts.
        layout.addStretch(0)

    def show_record(self, detail: OutgoingDetail, receipts: ReceiptSummary, *,
                    is_clerk: bool, may_cancel: bool) -> None:
        self.detail = detail
        self.is_clerk = is_clerk
        data = detail.data
        number = str(data.get("doc_number") or "")
        self.title.setText(str(data.get("title", "")))
        pending = {"number": self.tr("numbering"), "seal": self.tr("sealing"),
                   "issue": self.tr("issuing"), "cancel": self.tr("cancelling")}
        status = status_label(detail.status)
        if detail.local_action:
            status += "　" + self.tr("(%1 waiting to be sent)").replace(
                "%1", pending.get(detail.local_action, detail.local_action))
        self.status.setText(f"{number}　{status}" if number else status)
        self.facts.setHtml(facts_html(detail))
        self.route.setHtml(self._route_html(detail))
        shown = detail.pending_version or detail.current
        if shown is not None:
            self.body.set_body(shown.body)
        else:
            self.body.clear()
        self.left_tabs.setTabText(1, body_tab_text(detail))
        free = not detail.local_action
        self.number_button.setEnabled(is_clerk and free and detail.status == "signed")
        self.seal_button.setEnabled(is_clerk and free and detail.status == "numbered"
                                    and detail.has_seal)
        self.issue_button.setEnabled(is_clerk and free and detail.status == "sealed")
        self.pdf_button.setVisible(bool(data.get("issued_body")))
        cancellable = detail.status in rules.CANCELLABLE_STATUSES
        self.cancel_button.setVisible(cancellable)  # not after 核发
        self.cancel_button.setEnabled(free and may_cancel and cancellable)
        for b in (self.number_button, self.seal_button, self.issue_button):
            b.setVisible(is_clerk and detail.status not in ("issued", "cancelled"))
        if is_clerk and detail.status == "signed" and detail.next_number:
            self.hint.setText(self.tr("Next number: %1").replace("%1", detail.next_number))
        elif is_clerk and detail.status == "numbered" and not detail.has_seal:
            self.hint.setText(self.tr("No seal registered for the unit"))
        else:
            self.hint.setText("")
        self._show_receipts(receipts)

    def _route_html(self, d: OutgoingDetail) -> str:
        return route_html(d)

    def _show_receipts(self, summary: ReceiptSummary) -> None:
        rows = summary.rows
        # Before 核发 (no 回执 table) the details and the text get the room to be read.
        self.top.setMaximumHeight(round(230 * theme.current_scale()) if rows else
                                  round(520 * theme.current_scale()))
        self.layout_.setStretchFactor(self.top, 0 if rows else 1)
        self.receipt_title.setVisible(bool(rows))
        self.receipts.setVisible(bool(rows))
        if rows:
            self.receipt_summary.setText(self.tr(
                "%1 units: %2 received, %3 refused, %4 not yet received (%5 overdue)")
                .replace("%1", str(len(rows))).replace("%2", str(summary.count("received")))
                .replace("%3", str(summary.count("refused")))
                .replace("%4", str(summary.count("pending")))
                .replace("%5", str(summary.overdue)))
        else:
            self.receipt_summary.setText(self.tr("Receipts appear here once it is issued.")
                                         if self.detail and self.detail.status != "issued"
                                         else "")
        self.receipts.setRowCount(len(rows))
        labels = {"pending": self.tr("Not received"), "received": self.tr("Received"),
                  "refused": self.tr("Refused")}
        roles = {"main": self.tr("Main"), "cc": self.tr("Copy")}
        colours = {"received": "#1b6e35", "refused": "#a31515", "pending": "#5f6b7a"}
        for i, r in enumerate(rows):
            status = labels.get(r.status, r.status)
            if r.overdue:
                status = self.tr("Overdue — not received")
            cells = [r.unit_name, roles.get(r.role, r.role), status, r.by_name,
                     fmt.datetime_text(r.at) if r.at else "", r.reason]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 2:
                    item.setForeground(QBrush(QColor("#b3261e" if r.overdue
                                                     else colours.get(r.status, "#333"))))
                    font = item.font()
                    font.setBold(r.overdue or r.status == "refused")
                    item.setFont(font)
                if r.overdue:
                    item.setBackground(QBrush(QColor("#fff1e6")))
                self.receipts.setItem(i, j, item)

    def receipt_texts(self) -> list[list[str]]:
        return [[self.receipts.item(i, j).text() for j in range(self.receipts.columnCount())]
                for i in range(self.receipts.rowCount())]

    def _act(self, action: str) -> None:
        if self.detail is None:
            return
        # 用印 and 核发 cannot be undone (核发 delivers to every unit at once): ask first,
        # 取消 the default, so an Enter or a slip of the mouse does nothing.
        box = self.confirm_box(action)
        if box is not None and box.exec() != QMessageBox.StandardButton.Yes:
            return
        self.action_requested.emit(self.detail.id, action, "")

    def confirm_box(self, action: str) -> QMessageBox | None:
        """The question asked before 用印 or 核发 (None: the action asks nothing)."""
        if self.detail is None or action not in ("seal", "issue"):
            return None
        data = self.detail.data
        number = str(data.get("doc_number") or "")
        title = str(data.get("title") or "")
        if action == "issue":
            roles = list(rules.delivery_roles(data.get("main_recipients") or [],
                                              data.get("cc") or []).values())
            text = (self.tr("Issue %1 \u201c%2\u201d to %3 main recipient units and %4 "
                            "copy units? Each unit gets it at once; this cannot be undone.")
                    .replace("%1", number).replace("%2", title)
                    .replace("%3", str(roles.count("main")))
                    .replace("%4", str(roles.count("cc"))))
            heading, yes = self.tr("Issue (核发)"), self.tr("Issue")
        else:
            text = (self.tr("Seal %1 \u201c%2\u201d with the unit's seal? This cannot be "
                            "undone.").replace("%1", number).replace("%2", title))
            heading, yes = self.tr("Seal (用印)"), self.tr("Seal")
        box = QMessageBox(QMessageBox.Icon.Question, heading, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        return box

    def _cancel(self) -> None:
        if self.detail is None:
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("Cancel the document"),
            self.tr("Reason (a number it holds is recorded as a gap, never reused):"))
        if ok and reason.strip():
            self.action_requested.emit(self.detail.id, "cancel", reason.strip())


def body_tab_text(d: OutgoingDetail) -> str:
    """正文 (第2稿), or 正文 (第3稿，待发送) for a version made here not yet confirmed."""
    translate = QCoreApplication.translate
    v = d.pending_version or d.current
    if v is None:
        return translate("OutgoingRecord", "Text")
    text = (translate("OutgoingRecord", "Text (version %1, waiting to be sent)")
            if d.pending_version is not None else
            translate("OutgoingRecord", "Text (version %1)"))
    return text.replace("%1", str(v.number))


def when(dt: datetime | None) -> str:
    return fmt.datetime_text(dt) if dt else ""
