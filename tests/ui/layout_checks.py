"""Finds text that does not fit its widget: labels, buttons and header sections whose text
is wider (QFontMetrics) than the room the widget gives it, and wrapped labels shorter than
their wrapped text. Widgets that elide on purpose say so with the `elides` property."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from client.ui import theme


def shown_text(text: str) -> str:
    """The text as painted: one '&' of a mnemonic dropped, '&&' shown as '&'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _widest_line(fm: QFontMetrics, text: str) -> int:
    return max((fm.horizontalAdvance(line) for line in text.split("\n")), default=0)


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or label.property("elides") or GuiQt.mightBeRichText(text):
        return None
    if label.pixmap() is not None and not label.pixmap().isNull():
        return None
    room = label.contentsRect()
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + 1:
            return f"wrapped label {text!r}: {label.height()} px high, needs {needed}"
        return None
    text = shown_text(text) if label.buddy() is not None or "&" in text else text
    needed = _widest_line(label.fontMetrics(), text) + 2 * label.margin()
    if needed > room.width() + 1:
        return f"label {text!r}: {room.width()} px wide, needs {needed}"
    return None


def _button_problem(button: QPushButton) -> str | None:
    text = shown_text(button.text())
    if not text or button.property("elides"):
        return None
    option = QStyleOptionButton()
    button.initStyleOption(option)
    room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                         button)
    needed = _widest_line(button.fontMetrics(), text)
    if not button.icon().isNull():
        needed += button.iconSize().width() + 4
    if needed > room.width() + 1:
        return f"button {text!r}: {room.width()} px of text room, needs {needed}"
    return None


def _header_problems(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None:
        return []
    font = QFont(header.font())
    font.setBold(True)  # the style sheet draws sections bold
    fm = QFontMetrics(font)
    problems = []
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        text = model.headerData(section, header.orientation(),
                                Qt.ItemDataRole.DisplayRole)
        if not text:
            continue
        # Section padding of the style sheet (6 px a side) and its 1 px rule.
        needed = fm.horizontalAdvance(str(text)) + 12 + 1
        size = header.sectionSize(section)
        if needed > size:
            problems.append(f"header section {text!r}: {size} px, needs {needed}")
    return problems


def _list_problems(view: QListWidget) -> list[str]:
    """Items of a list that cannot scroll sideways (the sidebar): each text, in bold (an
    item turns bold when urgent), beside its icon within the item's padding."""
    if view.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
        return []
    font = QFont(view.font())
    font.setBold(True)
    fm = QFontMetrics(font)
    pad = round(10 * theme.current_scale())  # ${padl} of the style sheet, each side
    problems = []
    for i in range(view.count()):
        item = view.item(i)
        if item.isHidden() or not item.text():
            continue
        rect = view.visualItemRect(item)
        room = rect.width() - 2 * pad - 4  # 4 px selection border
        needed = fm.horizontalAdvance(item.text())
        if not item.icon().isNull():
            needed += view.iconSize().width() + 4
        if view.wordWrap():
            # A wrapping list (the sign-off panel's phrases): the item is as tall as its
            # wrapped lines (in the list's own font, at the room the item really has).
            own = view.fontMetrics()
            lines = -(-own.horizontalAdvance(item.text()) // max(1, rect.width() - 4))
            if rect.height() < lines * own.lineSpacing():
                problems.append(f"item {item.text()!r}: {rect.height()} px high, needs "
                                f"{lines} lines")
            continue
        if needed > room:
            problems.append(f"item {item.text()!r}: {room} px, needs {needed}")
    return problems


def clipped(root: QWidget) -> list[str]:
    """Every visible label, button and header section under `root` whose text is cut."""
    problems: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if widget.width() <= 0:
            continue
        where = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel):
            problem = _label_problem(widget)
        elif isinstance(widget, QPushButton):
            problem = _button_problem(widget)
        elif isinstance(widget, QHeaderView) and widget.orientation() == \
                Qt.Orientation.Horizontal:
            problems += [f"{where}: {p}" for p in _header_problems(widget)]
            continue
        elif isinstance(widget, QListWidget):
            problems += [f"{where}: {p}" for p in _list_problems(widget)]
            continue
        elif isinstance(widget, QAbstractButton):
            continue
        else:
            continue
        if problem:
            problems.append(f"{where}: {problem}")
    return problems
