"""Big text, the rest of issue 10 item 14: at 150 % on a 1366 × 768 screen the sign-off
panel fits without scrolling (opinion and phrases side by side, the handwriting pad folded
behind its heading until there is room or the user opens it); at 200 % on a 1366-wide
screen the document title wraps in full (its header scrolls, never cuts a line)."""

from __future__ import annotations

import pytest

from tests.ui.layout_checks import clipped
from tests.ui.test_big_text_layout import _open_first, _window, leader, scaled  # noqa: F401

FIT = [("zh_CN", 1.5), ("en", 1.5)]


@pytest.mark.parametrize("scaled", FIT, indirect=True, ids=[f"{a}-{b}" for a, b in FIT])
def test_signoff_panel_fits_1366x768_at_150_percent(qtbot, ops, leader, scaled) -> None:  # noqa: ANN001, F811
    window = _window(qtbot, ops, leader, (1366, 768))
    _open_first(qtbot, ops, window)
    page = window.document_page
    panel = page.signoff
    qtbot.wait(50)
    bar = page.signoff_area.verticalScrollBar()
    assert bar.maximum() == 0, f"the panel scrolls by {bar.maximum()} px"
    assert not bar.isVisible()
    assert not panel.pad_open() and panel.hw_toggle.isVisible()
    assert panel.opinion.isVisible() and panel.phrases.isVisible()
    assert panel.opinion.height() >= panel.opinion.minimumHeight()
    assert clipped(panel) == []

    # A folded pad's heading says when a signature is drawn in it.
    before = panel.hw_toggle.text()
    panel.pad.add_stroke([(30, 80), (60, 40), (90, 90)])
    assert panel.hw_toggle.text() != before
    panel.pad.clear()
    assert panel.hw_toggle.text() == before

    # The official opens the pad: it opens (the panel may scroll now) and stays open.
    panel.hw_toggle.click()
    qtbot.wait(20)
    assert panel.pad_open()
    window.resize(1366, 760)
    qtbot.wait(20)
    assert panel.pad_open()
    window.close()


def test_pad_opens_by_itself_where_there_is_room(qtbot, ops, leader) -> None:  # noqa: ANN001, F811
    window = _window(qtbot, ops, leader, (1600, 1000))
    _open_first(qtbot, ops, window)
    qtbot.wait(50)
    panel = window.document_page.signoff
    assert panel.pad_open()
    assert window.document_page.signoff_area.verticalScrollBar().maximum() == 0
    window.resize(1366, 600)       # no room any more: folded
    qtbot.wait(50)
    assert not panel.pad_open()
    window.close()


TITLE = [("zh_CN", 2.0), ("en", 2.0)]


@pytest.mark.parametrize("scaled", TITLE, indirect=True, ids=[f"{a}-{b}" for a, b in TITLE])
def test_document_title_wraps_at_200_percent_on_1366(qtbot, ops, leader, scaled) -> None:  # noqa: ANN001, F811
    window = _window(qtbot, ops, leader, (1366, 768))
    _open_first(qtbot, ops, window)
    qtbot.wait(50)
    view = window.document
    title, subtitle = view.title, view.subtitle
    assert title.wordWrap() and title.toolTip() == view.detail().title
    # The whole wrapped title is laid out: its label is as tall as its text needs …
    assert title.height() >= title.heightForWidth(title.width())
    lines = title.height() // title.fontMetrics().lineSpacing()
    assert lines >= 2, "a long title at 200 % takes several lines"
    # … nothing overlaps it, and the header holds all of it (scrolling when it is taller
    # than its share of the view, ending on a whole line).
    assert title.geometry().bottom() < subtitle.geometry().top()
    area = view.header_area
    assert view.header.height() >= title.geometry().bottom()
    if area.verticalScrollBar().maximum() > 0:
        assert area.height() <= view.height() * 0.5
        bar = area.verticalScrollBar()
        bar.setValue(bar.maximum())
        qtbot.wait(10)
        bottom = subtitle.mapTo(area.viewport(), subtitle.rect().bottomLeft()).y()
        assert bottom <= area.viewport().height()
    # The tabs below keep their room.
    assert view.tabs.height() >= view.tabs.minimumSizeHint().height() - 1
    window.close()
