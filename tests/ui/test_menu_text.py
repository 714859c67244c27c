"""Menu items are drawn whole (issue 10, item 16): the Tools menu's one item read
"设置…)…" jammed against "Ctrl+,": the menu was sized too narrow and Qt elided the text."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import QMainWindow

from client.ui import theme


def _ink_runs(image: QImage) -> list[tuple[int, int]]:
    """Column runs that hold dark pixels (text), left to right."""
    inked = [any(QColor(image.pixel(x, y)).lightness() < 128
                 for y in range(2, image.height() - 2)) for x in range(image.width())]
    runs, x = [], 0
    while x < len(inked):
        if inked[x]:
            start = x
            while x < len(inked) and inked[x]:
                x += 1
            runs.append((start, x))
        else:
            x += 1
    return runs


def _gaps(runs: list[tuple[int, int]]) -> list[int]:
    return [b[0] - a[1] for a, b in zip(runs, runs[1:], strict=False)]


def test_a_one_item_menu_shows_its_text_whole(qtbot, qapp) -> None:  # noqa: ANN001
    for scale in (1.0, 2.0):
        theme.apply_theme(qapp, scale)
        window = QMainWindow()
        qtbot.addWidget(window)
        menu = window.menuBar().addMenu("工具(&T)")
        action = QAction("设置(&S)…", window)
        action.setShortcut(QKeySequence("Ctrl+,"))
        menu.addAction(action)
        window.show()
        menu.popup(window.geometry().center())
        qtbot.wait(50)
        shot = menu.grab().toImage()
        menu.close()

        # The same text drawn whole, in the menu's font.
        fm = menu.fontMetrics()
        text = "设置(&S)…"
        reference = QImage(fm.horizontalAdvance("设置(S)…") + 20, fm.height() + 8,
                           QImage.Format.Format_RGB32)
        reference.fill(QColor("white"))
        painter = QPainter(reference)
        painter.setFont(menu.font())
        painter.setPen(QColor("#1b2530"))
        painter.drawText(QRect(4, 0, reference.width() - 4, reference.height()),
                         Qt.TextFlag.TextShowMnemonic | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()
        expected = _gaps(_ink_runs(reference))

        runs = _ink_runs(shot)
        gaps = _gaps(runs)
        # Text, a clear gap, then the shortcut: the text's runs are those of the whole text.
        widest = max(range(len(gaps)), key=gaps.__getitem__)
        assert gaps[:widest] == expected, f"menu text drawn cut at {scale}"
        assert gaps[widest] >= fm.horizontalAdvance(" "), "shortcut jammed against the text"
        window.close()
    theme.apply_theme(qapp, 1.0)
