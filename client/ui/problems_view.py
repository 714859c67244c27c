"""Problems: operations the platform refused or that conflicted, with what the user
wrote kept intact and a way to act again (redo on the current state, or discard)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client import messages
from client.services.queue_view import QueuedOp
from client.types import OutboxItem
from client.ui import fmt

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


def _chinese_spacing(text: str) -> str:
    """Chinese sentences run on without the space an English one needs after a stop (the
    English pieces that follow a sentence start with one; their translations do not)."""
    for stop in ("。", "，", "；", "："):
        text = text.replace(f"{stop} ", stop)
    return text


class ProblemsView(QWidget):
    redo_requested = Signal(object)      # OutboxItem
    discard_requested = Signal(object)   # OutboxItem
    recall_requested = Signal(object)    # QueuedOp: 撤回 a sign-off waiting to be sent
    note_requested = Signal(object)      # OutboxItem: send its kept text to the holder
    open_document = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        title = QLabel(self.tr("Problems"))
        title.setObjectName("viewTitle")
        layout.addWidget(title)
        explain = QLabel(self.tr("The platform did not accept these actions. Nothing you wrote "
                                 "is lost: the text is kept below. Redo the action on the "
                                 "document's current state, or discard it."))
        explain.setWordWrap(True)
        explain.setObjectName("muted")
        layout.addWidget(explain)
        self.explain = explain
        # Nothing to handle is the normal case: say so instead of an empty table and
        # disabled buttons that look like something is broken.
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setObjectName("muted")
        self.empty.setAccessibleName(self.tr("No sync problems"))
        split = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Action"), self.tr("Document / notice"),
                                   self.tr("State"), self.tr("Reason"), self.tr("Time")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName(self.tr("Problem list"))
        self.tree.setColumnWidth(0, 120)
        self.tree.setColumnWidth(1, 320)
        self.tree.setColumnWidth(2, 90)
        self.tree.setColumnWidth(3, 300)
        self.tree.currentItemChanged.connect(self._current)
        split.addWidget(self.tree)
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        # Why, in words, and that nothing of it reached the platform.
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason.setAccessibleName(self.tr("Reason"))
        pane_layout.addWidget(self.reason)
        pane_layout.addWidget(QLabel(self.tr("What you wrote (kept):")))
        self.kept = QPlainTextEdit()
        self.kept.setReadOnly(True)
        self.kept.setAccessibleName(self.tr("Kept text"))
        pane_layout.addWidget(self.kept, 1)
        row = QHBoxLayout()
        self.redo = QPushButton(self.tr("&Redo on current state…"))
        self.redo.setObjectName("primary")
        self.redo.setToolTip(self.tr("Open the document with your text filled in, to sign again"))
        self.redo.clicked.connect(lambda: self._emit(self.redo_requested))
        self.discard = QPushButton(self.tr("D&iscard"))
        self.discard.setObjectName("danger")
        self.discard.clicked.connect(lambda: self._emit(self.discard_requested))
        self.copy = QPushButton(self.tr("&Copy text"))
        self.copy.setToolTip(self.tr("Copy the action, the reason and what you wrote, to "
                                     "paste into a note or a message"))
        self.copy.clicked.connect(self.copy_to_clipboard)
        # Pass the kept text on to whoever holds the step now (the platform's context
        # names them): a note (留言) they see on the document and as a tray alert.
        self.send_note = QPushButton(self.tr("&Send to current holder…"))
        self.send_note.setToolTip(self.tr("Send what you wrote as a note to the person who "
                                          "handles this step now; you can edit it first"))
        self.send_note.clicked.connect(lambda: self._emit(self.note_requested))
        row.addWidget(self.redo)
        row.addWidget(self.copy)
        row.addWidget(self.send_note)
        row.addWidget(self.discard)
        row.addStretch(1)
        pane_layout.addLayout(row)
        split.addWidget(pane)
        split.setSizes([300, 200])
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        self.split = split
        layout.addWidget(self.stack, 1)
        # What is still waiting to be sent (the ops the status bar counts), in words.
        self.queue_title = QLabel()
        self.queue_title.setObjectName("viewTitle")
        layout.addWidget(self.queue_title)
        self.queue = QTreeWidget()
        self.queue.setHeaderLabels([self.tr("Action"), self.tr("Document number"),
                                    self.tr("Document / notice"), self.tr("Since"),
                                    self.tr("State"), self.tr("Last error")])
        self.queue.setRootIsDecorated(False)
        self.queue.setAccessibleName(self.tr("Operations waiting to be sent"))
        for column, width in enumerate((110, 190, 300, 220, 140)):
            self.queue.setColumnWidth(column, width)
        self.queue.currentItemChanged.connect(lambda *_: self._queue_current())
        layout.addWidget(self.queue, 1)
        queue_row = QHBoxLayout()
        self.recall = QPushButton(self.tr("Re&call this sign-off…"))
        self.recall.setToolTip(self.tr("Take back a sign-off that is still waiting to be "
                                       "sent: the document returns to your to-do list with "
                                       "your text kept"))
        self.recall.clicked.connect(self._recall_clicked)
        queue_row.addWidget(self.recall)
        queue_row.addStretch(1)
        self.queue_actions = QWidget()
        self.queue_actions.setLayout(queue_row)
        queue_row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.queue_actions)
        self.set_queue([])
        self._titles: dict[str, str] = {}
        self._forwarded: dict[str, str] = {}  # problem op id -> name the note went to
        self.me = ""  # the signed-in user (a step "signed by you" reads so)
        self._waiting = 0
        self.set_waiting(0)
        self._current(None, None)
        self._show_empty(True)

    def set_items(self, items: list[OutboxItem], titles: dict[str, str],
                  forwarded: dict[str, str] | None = None) -> None:
        """The problems; `forwarded`: op id → the name of whom its text was sent to."""
        self._titles = titles
        self._forwarded = dict(forwarded or {})
        self.tree.clear()
        for it in items:
            ref = it.local_ref or it.data.get("task_id") or it.data.get("notice_id") or ""
            state = {"conflict": self.tr("Conflict"), "rejected": self.tr("Refused"),
                     "set_aside": self.tr("Set aside")}.get(str(it.state), str(it.state))
            row = QTreeWidgetItem([self.action_text(it.type), titles.get(it.op_id, ref), state,
                                   self.reason_text(it.result_code, it.result_detail),
                                   fmt.datetime_text(it.created_at)])
            row.setData(0, ITEM_ROLE, it)
            self.tree.addTopLevelItem(row)
        if items:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        else:
            self._current(None, None)
        self._show_empty(not items)

    def set_waiting(self, unsent: int) -> None:
        """How many operations are still waiting to be sent (the one sync state): "every
        action has reached the platform" only when none is."""
        self._waiting = unsent
        if unsent:
            self.empty.setText(self.tr("No sync problems to handle. %n operation(s) still "
                                       "waiting to be sent to the platform.", "", unsent))
        else:
            self.empty.setText(self.tr("No sync problems to handle. Every action has reached "
                                       "the platform."))

    def set_queue(self, waiting: list[QueuedOp]) -> None:
        """Each unsent operation: what it is, since when, and its last error."""
        self.queue.clear()
        for op in waiting:
            state = {"queued": self.tr("Waiting"), "sent": self.tr("Sent, no answer yet"),
                     "set_aside": self.tr("Set aside")}.get(str(op.state), str(op.state))
            row = QTreeWidgetItem([
                self.action_text(op.type), op.doc_number, op.subject,
                fmt.datetime_text(op.since), state, op.last_error or ""])
            row.setData(0, ITEM_ROLE, op)
            self.queue.addTopLevelItem(row)
        self.queue_title.setText(self.tr("Waiting to be sent (%n)", "", len(waiting)))
        self.queue_title.setVisible(bool(waiting))
        self.queue.setVisible(bool(waiting))
        self.queue_actions.setVisible(any(op.can_recall for op in waiting))
        first = next((i for i, op in enumerate(waiting) if op.can_recall), None)
        if first is not None:
            self.queue.setCurrentItem(self.queue.topLevelItem(first))
        self._queue_current()

    def queue_current(self) -> QueuedOp | None:
        item = self.queue.currentItem()
        return item.data(0, ITEM_ROLE) if item else None

    def _queue_current(self) -> None:
        op = self.queue_current()
        self.recall.setEnabled(op is not None and op.can_recall)

    def _recall_clicked(self) -> None:
        op = self.queue_current()
        if op is not None and op.can_recall:
            self.recall_requested.emit(op)

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def _show_empty(self, empty: bool) -> None:
        self.stack.setCurrentWidget(self.empty if empty else self.split)
        self.explain.setVisible(not empty)

    def reason_text(self, code: str | None, detail: str | None) -> str:
        """The platform's reason in the user's language where the catalogue knows the code
        (client.messages); its own (English) detail otherwise, so nothing it said is
        hidden."""
        if code and messages.known(code):
            return messages.render(code)
        return detail or code or ""

    def action_text(self, op_type: str) -> str:
        return {"task.complete": self.tr("Sign-off"), "task.recall": self.tr("Recall sign-off"),
                "notice.ack": self.tr("Confirm receipt"),
                "notice.publish": self.tr("Publish notice"),
                "document.mark_read": self.tr("Mark read"),
                "key.register": self.tr("Register key"),
                # 公文交换 and the clerk's desk
                "delivery.receive": self.tr("Receive (签收)"),
                "delivery.refuse": self.tr("Refuse (拒收)"),
                "document.register": self.tr("Register (登记)"),
                "document.route": self.tr("Route (分办)"),
                "task.remind": self.tr("Reminder (催办)"),
                "task.cancel": self.tr("Cancel task"),
                "task.reroute": self.tr("Reassign task"),
                "document.complete": self.tr("Complete (办结)"),
                "document.archive": self.tr("Archive (归档)"),
                "note.send": self.tr("Note (留言)")}.get(op_type, op_type)

    def current(self) -> OutboxItem | None:
        item = self.tree.currentItem()
        return item.data(0, ITEM_ROLE) if item else None

    def _current(self, item: QTreeWidgetItem | None, _prev: object) -> None:
        op: OutboxItem | None = item.data(0, ITEM_ROLE) if item else None
        self.redo.setEnabled(op is not None and op.type in ("task.complete", "notice.publish",
                                                             "notice.ack"))
        self.discard.setEnabled(op is not None)
        self.copy.setEnabled(op is not None)
        holder = op is not None and self.holder_of(op) is not None
        self.send_note.setEnabled(holder)
        # Someone else holds the step: sending them the text is the likely next action.
        self._set_primary(self.send_note if holder else self.redo)
        if op is None:
            self.kept.setPlainText("")
            self.reason.setText("")
            return
        self.reason.setText(self.reason_sentence(op))
        self.kept.setPlainText(self.kept_text(op))

    def kept_text(self, op: OutboxItem) -> str:
        """Every word the user wrote for the op (and the decision they chose)."""
        data = op.data
        parts = []
        if data.get("decision"):
            parts.append(self.tr("Decision: %1").replace("%1", fmt.decision_text(data["decision"])))
        if data.get("title"):
            parts.append(data["title"])
        if data.get("text"):
            parts.append(data["text"])
        if data.get("body"):
            parts.append(data["body"])
        return "\n\n".join(parts)

    def subject_of(self, op: OutboxItem) -> str:
        return self._titles.get(op.op_id) or op.local_ref or ""

    def _set_primary(self, button: QPushButton) -> None:
        for b in (self.redo, self.send_note):
            name = "primary" if b is button else ""
            if b.objectName() != name:
                b.setObjectName(name)
                b.style().unpolish(b)
                b.style().polish(b)

    def holder_of(self, op: OutboxItem) -> tuple[str, str, str] | None:
        """(document id, holder id, holder name) when the platform named who holds the
        op's step now (and it is someone else): the note's recipient."""
        ctx = op.result_context or {}
        doc, holder = ctx.get("document_id"), ctx.get("holder_id")
        if not doc or not holder or holder == self.me:
            return None
        return str(doc), str(holder), str(ctx.get("holder_name") or "")

    def _what_of(self, op: OutboxItem) -> str:
        """"your 批示": the user's action in the words of the step it was for."""
        kind = (op.result_context or {}).get("task_kind")
        if op.type == "task.complete" and kind:
            return {"propose": self.tr("proposal (拟办意见)"),
                    "instruct": self.tr("instruction (批示)"),
                    "handle": self.tr("handling opinion (办理意见)"),
                    "countersign": self.tr("countersignature (会签意见)"),
                    "read": self.tr("read confirmation (阅知)")}.get(str(kind),
                                                                   self.action_text(op.type))
        return self.action_text(op.type)

    def context_sentence(self, op: OutboxItem) -> str:
        """Who made the step go away and when, what became of the user's action, and who
        holds the step now, from the platform's context; "" without one."""
        ctx = op.result_context or {}
        by, at = ctx.get("by_name") or "", fmt.moment_text(ctx.get("at"))
        holder = ctx.get("holder_name") or ""
        action = ctx.get("action") or ""
        if not by or not at:
            return ""
        what = self._what_of(op)
        mine = bool(ctx.get("holder_id")) and ctx.get("holder_id") == self.me
        patterns = {
            "rerouted": self.tr("This step was reassigned by %1 at %2 and is with you again; "
                                "your %4 was not recorded, redo it on the current step.")
            if mine else
            self.tr("This step was reassigned to %3 by %1 at %2; your %4 was not "
                    "recorded.") if holder else
            self.tr("This step was reassigned by %1 at %2; your %4 was not recorded."),
            "cancelled": self.tr("This step was cancelled by %1 at %2; your %4 was not "
                                 "recorded."),
            "returned": self.tr("%1 returned the document at %2, which withdrew this step; "
                                "your %4 was not recorded."),
            "recalled": self.tr("%1 recalled the sign-off that created this step at %2; "
                                "your %4 was not recorded."),
            "completed": self.tr("%1 completed (办结) the document at %2; your %4 was not "
                                 "recorded."),
            "signed": self.tr("You already signed this step at %2 (perhaps on another PC); "
                              "this %4 was not recorded.")
            if ctx.get("by") == self.me else
            self.tr("%1 already signed this step at %2; your %4 was not recorded."),
            "withdrawn": self.tr("This notice was withdrawn by %1 at %2; your %4 was not "
                                 "recorded."),
        }
        pattern = patterns.get(str(action)) or self.tr(
            "This step was changed by %1 at %2; your %4 was not recorded.")
        text = (pattern.replace("%1", str(by)).replace("%2", at).replace("%3", str(holder))
                .replace("%4", what))
        if ctx.get("reason") and action in ("rerouted", "cancelled"):
            text += self.tr(" Reason given: %1.").replace("%1", str(ctx["reason"]).rstrip("。."))
        if mine and action != "rerouted":
            text += self.tr(" The step is with you again.")
        elif holder and action != "rerouted":
            text += self.tr(" The step is now with %1.").replace("%1", str(holder))
        return _chinese_spacing(text)

    def reason_sentence(self, op: OutboxItem) -> str:
        """The reason in words, and what it means: the action was not recorded."""
        told = self.context_sentence(op)
        if told:
            sent_to = self._forwarded.get(op.op_id)
            if sent_to is not None:
                told += _chinese_spacing(self.tr(" Your text was sent to %1 as a note.")
                                         .replace("%1", sent_to))
            return told + _chinese_spacing(self.tr(" What you wrote is kept below."))
        reason = self.reason_text(op.result_code, op.result_detail)
        if str(op.state) == "set_aside":
            tail = self.tr("It has not reached the platform; it is kept here until you "
                           "retry or discard it.")
        else:
            tail = self.tr("Your %1 was not recorded on the platform; what you wrote is "
                           "kept below.").replace("%1", self.action_text(op.type))
        if reason and reason[-1] not in "。．.!！?？":
            # The catalogue's reasons are phrases; close the sentence before the next.
            reason += "。" if any("\u4e00" <= ch <= "\u9fff" for ch in reason) else "."
        return f"{reason}{'' if reason.endswith('。') else ' '}{tail}".strip()

    def copy_text(self) -> str:
        """What the copy button puts on the clipboard: the action, the document, the
        reason and every word the user wrote."""
        op = self.current()
        if op is None:
            return ""
        subject = self.subject_of(op)
        lines = [f"{self.action_text(op.type)}：{subject}", self.reason_sentence(op)]
        kept = self.kept.toPlainText()
        if kept:
            lines += ["", kept]
        return "\n".join(lines)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.copy_text())

    def _emit(self, signal: Signal) -> None:
        op = self.current()
        if op is not None:
            signal.emit(op)
