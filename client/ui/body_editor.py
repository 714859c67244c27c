"""The 正文 editor of a 发文: paragraphs and the four heading levels, nothing else.

Each block of the text is one protocol.docbody block; its kind (p, h1..h4) is a property
of the block's format, so Enter carries it on (after a heading the new block is a
paragraph again). The heading numbers (一、 （一） 1. （1）) are never typed: they are
drawn live in the margin left of the text, from protocol.docbody.block_labels, so they
follow every insertion, deletion and level change. Paragraphs are laid out with a
2-character first-line indent; pasted text arrives as plain paragraphs. Ctrl+1..4 set a
heading level, Ctrl+0 a paragraph (over the window's own Ctrl+digit navigation while
the editor has the focus).

Drafters type the numbers anyway (Word taught them to): 一、 or （一） typed at the start of
a block makes it that heading and the typed number goes (it would print twice, 一、一、);
pasted lines that start with a heading number become that heading, the number dropped.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QTextEdit, QWidget

from client.ui import theme
from protocol import docbody

KIND_PROPERTY = QTextFormat.Property.UserProperty + 1
KINDS = docbody.BLOCK_KINDS  # p, h1, h2, h3, h4
_KEYS = {Qt.Key.Key_0: "p", Qt.Key.Key_1: "h1", Qt.Key.Key_2: "h2", Qt.Key.Key_3: "h3",
         Qt.Key.Key_4: "h4"}


_NUMERAL = "一二三四五六七八九十"
# A number typed alone at the start of a block (unambiguous ones only: "2." may be the
# start of "2.5亿元").
_TYPED_NUMBER = ((re.compile(f"^[{_NUMERAL}]+、$"), "h1"),
                 (re.compile(f"^[（(][{_NUMERAL}]+[）)]$"), "h2"),
                 (re.compile(r"^[（(]\d+[）)]$"), "h4"))
# The number at the start of a pasted line.
_PASTED_NUMBER = ((re.compile(f"^[{_NUMERAL}]+、\\s*"), "h1"),
                  (re.compile(f"^[（(][{_NUMERAL}]+[）)]\\s*"), "h2"),
                  (re.compile(r"^\d+[.．](?!\d)\s*"), "h3"),
                  (re.compile(r"^[（(]\d+[）)]\s*"), "h4"))


def pasted_heading(line: str) -> tuple[str, str]:
    """(kind, text) of a pasted line: a heading without its typed number, or a paragraph."""
    for pattern, kind in _PASTED_NUMBER:
        m = pattern.match(line)
        if m and line[m.end():].strip():
            return kind, line[m.end():]
    return "p", line


def block_kind(block: QTextBlock) -> str:
    kind = block.blockFormat().property(KIND_PROPERTY)
    return kind if kind in KINDS else "p"


class _Gutter(QWidget):
    """The margin that shows each heading's number, level by level."""

    def __init__(self, editor: BodyEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        self.editor.paint_gutter(self, event)


class BodyEditor(QTextEdit):
    edited = Signal()  # the text or a block's kind changed (the autosave listens)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyEditor")
        self.setAccessibleName(self.tr("Text of the document"))
        self.setAcceptRichText(False)
        self.setTabChangesFocus(True)
        self.setFont(theme.serif_font(delta=2))
        self.gutter = _Gutter(self)
        self._loading = False
        self.document().contentsChange.connect(self._changed)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self.gutter.update())
        self.set_body({"v": 1, "blocks": [{"kind": "p", "text": ""}]})

    # --- the body ------------------------------------------------------------------------
    def body(self) -> dict[str, Any]:
        """The protocol.docbody body exactly as on screen (one block per text block)."""
        blocks = []
        block = self.document().firstBlock()
        while block.isValid():
            blocks.append({"kind": block_kind(block), "text": block.text()})
            block = block.next()
        return {"v": docbody.BODY_VERSION, "blocks": blocks}

    def set_body(self, body: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.clear()
            cursor = QTextCursor(self.document())
            blocks = list(body.get("blocks") or []) or [{"kind": "p", "text": ""}]
            for i, b in enumerate(blocks):
                if i:
                    cursor.insertBlock()
                cursor.insertText(str(b.get("text", "")))
                self._apply_kind(cursor, str(b.get("kind", "p")))
            self.moveCursor(QTextCursor.MoveOperation.Start)
        finally:
            self._loading = False
        self.gutter.update()

    def labels(self) -> list[str]:
        """The heading numbers as shown in the margin, block by block."""
        return docbody.block_labels(self.body()["blocks"])

    # --- kinds ---------------------------------------------------------------------------
    def set_kind(self, kind: str) -> None:
        """Make the block(s) under the cursor a paragraph or a heading of a level."""
        if kind not in KINDS or self.isReadOnly():
            return
        cursor = self.textCursor()
        start, end = sorted((cursor.anchor(), cursor.position()))
        c = QTextCursor(self.document())
        c.setPosition(start)
        c.beginEditBlock()
        while True:
            self._apply_kind(c, kind)
            if c.block().position() + c.block().length() > end or not c.block().next().isValid():
                break
            c.movePosition(QTextCursor.MoveOperation.NextBlock)
        c.endEditBlock()
        self.gutter.update()
        self.edited.emit()

    def current_kind(self) -> str:
        return block_kind(self.textCursor().block())

    def _apply_kind(self, cursor: QTextCursor, kind: str) -> None:
        fmt = QTextBlockFormat()
        fmt.setProperty(KIND_PROPERTY, kind)
        em = self.fontMetrics().horizontalAdvance("国")
        # 2-character first-line indent for paragraphs (GB/T 9704: 正文 每段首行空二字);
        # a heading starts at the margin, its number hanging just left of it.
        fmt.setTextIndent(2 * em if kind == "p" else 0)
        fmt.setTopMargin(2 if kind == "p" else 6)
        fmt.setBottomMargin(2)
        cursor.setBlockFormat(fmt)
        char = QTextCharFormat()
        char.setFontWeight(QFont.Weight.Bold if kind in ("h1", "h2") else QFont.Weight.Normal)
        whole = QTextCursor(cursor.block())
        whole.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                           QTextCursor.MoveMode.KeepAnchor)
        whole.setCharFormat(char)
        cursor.setBlockCharFormat(char)

    # --- keys, paste ---------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Ctrl+0..4 belong to the editor while it has the focus (the window's Ctrl+1..6
        # navigate elsewhere).
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and self._level_key(event) is not None:
            event.accept()
            return True
        return super().event(event)

    @staticmethod
    def _level_key(event: QKeyEvent) -> str | None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == \
                Qt.KeyboardModifier.ControlModifier:
            return _KEYS.get(Qt.Key(event.key()))
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        kind = self._level_key(event)
        if kind is not None:
            self.set_kind(kind)
            return
        was_heading = self.current_kind() != "p"
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and was_heading \
                and not self.isReadOnly():
            # A heading is one line: the next block is a paragraph.
            cursor = self.textCursor()
            if not cursor.block().text():
                self._apply_kind(cursor, "p")
                self.gutter.update()

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 (Qt name)
        """Paste: plain text only, one paragraph per line (no foreign formatting)."""
        text = source.text().replace("\r\n", "\n").replace("\r", "\n")
        lines = [line.strip().replace("\t", " ") for line in text.split("\n")]
        cursor = self.textCursor()
        cursor.beginEditBlock()
        for i, line in enumerate(lines):
            kind, text = pasted_heading(line)
            if i:
                cursor.insertBlock()
                self._apply_kind(cursor, kind)
            elif not cursor.block().text():
                self._apply_kind(cursor, kind)
            else:
                text = line  # pasted into a line's text: as it is
            cursor.insertText(text)
        cursor.endEditBlock()
        self.gutter.update()

    def _changed(self, _pos: int, _removed: int, _added: int) -> None:
        self.gutter.update()
        if not self._loading:
            self.edited.emit()
            if _added and not self.isReadOnly():
                # Not inside contentsChange: the document is still being edited.
                QTimer.singleShot(0, self, self._typed_number)

    def _typed_number(self) -> None:
        cursor = self.textCursor()
        block = cursor.block()
        text = block.text()
        if cursor.hasSelection() or cursor.positionInBlock() != len(text):
            return
        for pattern, kind in _TYPED_NUMBER:
            if pattern.match(text):
                cursor.beginEditBlock()  # one Ctrl+Z brings the typed number back
                cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock,
                                    QTextCursor.MoveMode.KeepAnchor)
                cursor.removeSelectedText()
                self._apply_kind(cursor, kind)
                cursor.endEditBlock()
                self.setTextCursor(cursor)
                self.gutter.update()
                self.edited.emit()
                return

    # --- the gutter ----------------------------------------------------------------------
    def gutter_width(self) -> int:
        return self.fontMetrics().horizontalAdvance("（十一）") + 12

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        width = self.gutter_width()
        self.setViewportMargins(width, 0, 0, 0)
        rect = self.contentsRect()
        self.gutter.setGeometry(QRect(rect.left(), rect.top(), width, rect.height()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        painter = QPainter(gutter)
        painter.fillRect(event.rect(), QColor("#f4f6f9"))
        painter.setPen(QColor("#b0211f"))  # the numbers in the red of the 版头
        layout = self.document().documentLayout()
        offset = self.verticalScrollBar().value()
        labels = self.labels()
        block = self.document().firstBlock()
        i = 0
        while block.isValid():
            label = labels[i] if i < len(labels) else ""
            if label:
                rect = layout.blockBoundingRect(block)
                top = int(rect.top()) - offset + block.blockFormat().topMargin()
                font = self.font()
                font.setBold(block_kind(block) in ("h1", "h2"))
                painter.setFont(font)
                painter.drawText(QRect(0, int(top), gutter.width() - 6,
                                       self.fontMetrics().height()),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                                 label)
            block = block.next()
            i += 1
        painter.end()
