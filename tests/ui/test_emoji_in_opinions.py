"""Emoji in an opinion render in colour, not as a box, where the documented font is installed
(Debian `fonts-noto-color-emoji`, a Recommends of the .deb; .ci/run installs it)."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QLabel

from tests.support.services import require_service


def _coloured_pixels(label: QLabel) -> int:
    image = label.grab().toImage()
    count = 0
    for x in range(image.width()):
        for y in range(image.height()):
            c = image.pixelColor(x, y)
            count += abs(c.red() - c.green()) > 40 or abs(c.green() - c.blue()) > 40
    return count


def test_an_opinion_with_emoji_shows_them_in_colour(qtbot) -> None:  # noqa: ANN001
    if not any("Emoji" in family for family in QFontDatabase.families()):
        require_service("a colour emoji font (Debian fonts-noto-color-emoji)")
    plain = QLabel("同意。请抓紧办理。")
    with_emoji = QLabel("同意 👍 请抓紧办理 ✅")
    for label in (plain, with_emoji):
        qtbot.addWidget(label)
        label.setFont(QFont("Noto Sans CJK SC", 20))
        label.resize(400, 50)
    assert _coloured_pixels(plain) == 0  # black text only: the measure sees colour alone
    assert _coloured_pixels(with_emoji) > 200
