"""Big text (issue 10, items 14 and 15): at 100 %, 150 % and 200 % and in both languages
no label, button, header section or sidebar item is cut, the settings hints have room,
and the sign-off panel keeps its header and sign buttons in view on a 1366 × 768 screen."""

from __future__ import annotations

import pytest

from client.session import Profile
from client.ui import i18n, theme
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from client.ui.settings_dialog import SettingsDialog
from tests.ui.conftest import PASSWORD, wait_for
from tests.ui.layout_checks import clipped


@pytest.fixture
def leader(platform_session, test_keyring):  # noqa: ANN001, ANN201
    profile = Profile.login(platform_session.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform_session.issue_enrolment_code("zhangjianguo"))
    profile.sync()
    yield profile
    profile.close()


@pytest.fixture
def scaled(qapp, request):  # noqa: ANN001, ANN201
    """(language, scale) installed for one test, English at 100 % afterwards."""
    language, scale = request.param
    assert i18n.install(qapp, language)
    theme.apply_theme(qapp, scale)
    yield language, scale
    theme.apply_theme(qapp, 1.0)
    i18n.install(qapp, "en")


CASES = [(lang, scale) for lang in ("zh_CN", "en") for scale in (1.0, 1.5, 2.0)]


def _window(qtbot, ops, leader, size: tuple[int, int]) -> MainWindow:  # noqa: ANN001
    window = MainWindow(AppContext(leader, ops))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    return window


def _open_first(qtbot, ops, window: MainWindow, index: int = 0) -> None:  # noqa: ANN001
    row = window.model.rows()[index]
    window.open_document(row.document_id, row.task_id)
    wait_for(qtbot, ops, lambda: window.document.detail() is not None
             and window.document.detail().id == row.document_id)
    qtbot.wait(50)


def test_font_scale_goes_to_200_percent() -> None:
    assert theme.FONT_SCALES[0] == 1.0 and max(theme.FONT_SCALES) == 2.0
    assert 1.5 in theme.FONT_SCALES


@pytest.mark.parametrize("scaled", CASES, indirect=True, ids=[f"{a}-{b}" for a, b in CASES])
def test_no_text_is_cut(qtbot, ops, leader, scaled) -> None:  # noqa: ANN001
    _language, scale = scaled
    # A 200 % text size is for a big screen; 1366 × 768 is the smallest office screen.
    size = (1920, 1050) if scale > 1.5 else (1366, 768)
    window = _window(qtbot, ops, leader, size)
    qtbot.wait(50)
    assert clipped(window) == [], "inbox"
    _open_first(qtbot, ops, window)
    assert clipped(window) == [], "document"

    dialog = SettingsDialog(window.ctx, window)
    dialog.show()
    qtbot.wait(20)
    assert clipped(dialog) == [], "settings"
    dialog.language.setCurrentIndex(1 - dialog.language.currentIndex())  # restart warning
    qtbot.wait(20)
    assert dialog.restart_needed()
    assert clipped(dialog) == [], "settings with the restart warning"
    note = dialog.language_note.geometry()
    below = [w.geometry() for w in (dialog.auto_lock, dialog.auto_lock_label) if w]
    assert all(g.top() >= note.bottom() for g in below), "the hint overlaps the next row"
    dialog.reject()
    window.close()


FIT = [("zh_CN", 1.5), ("en", 1.5)]


@pytest.mark.parametrize("scaled", FIT, indirect=True, ids=[f"{a}-{b}" for a, b in FIT])
def test_signoff_panel_at_150_percent(qtbot, ops, leader, scaled) -> None:  # noqa: ANN001
    """On a 1366 × 768 screen the step, the deadline and the sign buttons stay in view
    (pinned around the scrolling middle); on 1600 × 1000 nothing scrolls at all."""
    window = _window(qtbot, ops, leader, (1366, 768))
    _open_first(qtbot, ops, window)
    page = window.document_page
    panel = page.signoff
    column = page.signoff_column.rect()

    def in_view(widget) -> bool:  # noqa: ANN001
        top_left = widget.mapTo(page.signoff_column, widget.rect().topLeft())
        bottom_right = widget.mapTo(page.signoff_column, widget.rect().bottomRight())
        return widget.isVisible() and column.contains(top_left) and \
            column.contains(bottom_right)

    # Header and sign buttons are pinned: in view whatever the scroll position.
    bar = page.signoff_area.verticalScrollBar()
    for position in (bar.minimum(), bar.maximum()):
        bar.setValue(position)
        qtbot.wait(10)
        assert in_view(panel.heading) and in_view(panel.due)
        assert in_view(panel.sign_button) and in_view(panel.sign_next_button)
    assert "%1" not in panel.heading.text() and panel.due.text()

    # Nothing to scroll to: the opinion, the recipients and the whole pad are in view.
    window.resize(1600, 1000)
    qtbot.wait(50)
    bar.setValue(0)
    assert bar.maximum() == 0, f"the panel scrolls by {bar.maximum()} px"
    viewport = page.signoff_area.viewport()
    pad = panel.pad
    pad_bottom = pad.mapTo(viewport, pad.rect().bottomLeft()).y()
    assert pad_bottom <= viewport.height()
    window.close()


def test_next_document_opens_with_the_panel_at_its_top(
        qtbot, qapp, ops, leader) -> None:  # noqa: ANN001
    theme.apply_theme(qapp, 2.0)
    try:
        window = _window(qtbot, ops, leader, (1200, 700))
        assert window.model.rowCount() >= 2
        _open_first(qtbot, ops, window, 0)
        bar = window.document_page.signoff_area.verticalScrollBar()
        assert bar.maximum() > 0  # small window, big text: the panel scrolls
        bar.setValue(bar.maximum())
        _open_first(qtbot, ops, window, 1)
        assert bar.value() == 0
        window.close()
    finally:
        theme.apply_theme(qapp, 1.0)
