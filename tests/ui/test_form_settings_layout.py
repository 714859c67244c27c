"""Printing the processing form to PDF, the text-size setting, and the window layout
kept between runs: real profile against the demo platform, real widgets offscreen."""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from client.session import Profile
from client.ui import theme
from client.ui.context import AppContext
from client.ui.inbox_model import COL_ISSUER, COL_TITLE
from client.ui.main_window import MainWindow
from client.ui.settings_dialog import SettingsDialog, saved_scale
from tests.ui.conftest import PASSWORD, wait_for


@pytest.fixture
def leader(platform_session, test_keyring):  # noqa: ANN001, ANN201
    profile = Profile.login(platform_session.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform_session.issue_enrolment_code("zhangjianguo"))
    profile.sync()
    yield profile
    profile.close()


def _window(qtbot, ctx: AppContext) -> MainWindow:  # noqa: ANN001
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def _open_document_with_opinions(qtbot, ops, window: MainWindow) -> None:  # noqa: ANN001
    """Open documents of the to-do list until one shows a signed opinion."""
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    for row in window.model.rows():
        window.open_document(row.document_id, row.task_id)
        wait_for(qtbot, ops, lambda r=row: window.document.detail() is not None
                 and window.document.detail().id == r.document_id)
        if any(o.text for o in window.document.detail().opinions):
            return
    pytest.fail("no document of the demo to-do list has an opinion")


def _pdf_text(path: Path) -> str:
    """Text of a PDF, by poppler's pdftotext when installed, else by QtPdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                             capture_output=True, text=True, check=True, timeout=60)
        text = out.stdout
    else:
        from PySide6.QtPdf import QPdfDocument

        doc = QPdfDocument()
        assert doc.load(str(path)) == QPdfDocument.Error.None_
        text = "".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    return _flat(text)


def _flat(text: str) -> str:
    """Comparable text. Line breaks fall anywhere inside a long title; and Qt's PDF writer
    maps each glyph back to the lowest code point that shares it in the font, so 文 民 见
    come back as the radicals ⽂ ⺠ ⻅ (same glyph, rendered right; only the text layer
    differs): NFKC folds the Kangxi radicals, the font's own cmap the other twins."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(_radical_twins().get(c, c) for c in text if not c.isspace())


@functools.cache
def _radical_twins() -> dict[str, str]:
    from PySide6.QtGui import QRawFont

    unified = "".join(chr(c) for c in range(0x4E00, 0xA000))
    radicals = "".join(chr(c) for c in range(0x2E80, 0x2FE0))
    twins: dict[str, str] = {}
    for font in (theme.serif_font(), theme.ui_font()):
        raw = QRawFont.fromFont(font)
        by_glyph: dict[int, str] = {}
        for ch, glyph in zip(unified, raw.glyphIndexesForString(unified), strict=True):
            if glyph:
                by_glyph.setdefault(glyph, ch)
        for ch, glyph in zip(radicals, raw.glyphIndexesForString(radicals), strict=True):
            if glyph in by_glyph:
                twins.setdefault(ch, by_glyph[glyph])
    return twins


def test_processing_form_prints_to_pdf_with_title_and_opinions(
        qtbot, ops, zh, leader, tmp_path) -> None:  # noqa: ANN001
    window = _window(qtbot, AppContext(leader, ops))
    _open_document_with_opinions(qtbot, ops, window)
    detail = window.document.detail()
    opinion = next(o for o in detail.opinions if o.text)

    target = window.export_form(tmp_path / "处理笺.pdf")
    assert target == tmp_path / "处理笺.pdf"
    assert target.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(target)
    assert _flat(detail.title) in text
    assert _flat(opinion.text) in text
    assert _flat("收文处理笺") in text and _flat(opinion.author_name) in text

    # A place that cannot be written: a clear message, no exception, nothing written.
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    assert window.export_form(blocked / "form.pdf") is None
    assert "无法保存" in window.status.currentMessage() or \
        "Could not save" in window.status.currentMessage()
    window.close()


def test_text_size_applies_to_the_whole_ui_and_is_remembered(
        qtbot, ops, zh, leader) -> None:  # noqa: ANN001
    window = _window(qtbot, AppContext(leader, ops))
    _open_document_with_opinions(qtbot, ops, window)
    base = theme.BASE_POINT_SIZE
    row_before = window.table.row_height()
    form_before = window.document.form.document().defaultFont().pointSizeF()
    assert form_before == pytest.approx(base)

    dialog = SettingsDialog(window.ctx, window)
    dialog.scale.setCurrentIndex(theme.FONT_SCALES.index(1.3))  # live preview …
    dialog.accept()  # … kept
    try:
        big = base * 1.3
        qtbot.waitUntil(lambda: window.document.body_text.font().pointSizeF() ==
                        pytest.approx((base + 2) * 1.3, abs=0.05), timeout=2_000)
        assert window.font().pointSizeF() == pytest.approx(big, abs=0.05)
        assert window.table.font().pointSizeF() == pytest.approx(big, abs=0.05)
        assert window.table.row_height() >= row_before * 1.2  # rows grow with the text
        assert window.table.verticalHeader().sectionSize(0) == window.table.row_height()
        unread = window.model.index(0, COL_TITLE).data(6)  # FontRole, when bold
        if unread is not None:
            assert unread.pointSizeF() == pytest.approx(big, abs=0.05)
        assert window.document.form.document().defaultFont().pointSizeF() == \
            pytest.approx(big, abs=0.05)
        assert window.document.body_text.font().pointSizeF() == \
            pytest.approx((base + 2) * 1.3, abs=0.05)
        assert window.lock_overlay.title.font().pointSizeF() == \
            pytest.approx((base + 6) * 1.3, abs=0.05)
        assert window.signoff.opinion.font().pointSizeF() == pytest.approx(big, abs=0.05)
        # Remembered for the next start (app.main applies saved_scale()).
        assert saved_scale() == pytest.approx(1.3)
        again = SettingsDialog(window.ctx, window)
        assert again.scale.currentData() == pytest.approx(1.3)

        # Cancel takes a preview back.
        again.scale.setCurrentIndex(theme.FONT_SCALES.index(1.5))
        assert window.font().pointSizeF() == pytest.approx(base * 1.5, abs=0.05)
        again.reject()
        assert window.font().pointSizeF() == pytest.approx(big, abs=0.05)
        assert saved_scale() == pytest.approx(1.3)

        # A new language needs a restart, and the dialog says so.
        lang = SettingsDialog(window.ctx, window)
        assert not lang.restart_needed()
        lang.language.setCurrentIndex(lang.language.findData("en"))
        assert lang.restart_needed()
        assert "重新启动" in lang.language_note.text()
        lang.accept()
        assert QSettings("GovDesk", "GovDesk").value("ui/language") == "en"
    finally:
        theme.apply_theme(zh, 1.0)  # zh is the QApplication
    window.close()


def test_window_layout_and_column_widths_are_restored(qtbot, ops, zh, leader) -> None:  # noqa: ANN001
    ctx = AppContext(leader, ops)
    first = _window(qtbot, ctx)
    # Fits a 1024 × 768 office screen (taskbar included).
    assert first.minimumSizeHint().width() <= 1024 and first.minimumSizeHint().height() <= 700
    first.resize(1010, 700)
    wait_for(qtbot, ops, lambda: first.model.rowCount() > 0)
    first.table.setColumnWidth(COL_ISSUER, 311)
    first.doc_split.setSizes([900, 400])
    split = first.doc_split.sizes()
    first.close()  # saves the layout

    second = _window(qtbot, ctx)
    screen = second.screen().availableGeometry()
    if screen.width() >= 1100 and screen.height() >= 800:
        assert (second.width(), second.height()) == (1010, 700)
    else:  # a small test screen (QT_QPA_PLATFORM set by hand): clamped to it
        assert second.width() <= screen.width() and second.height() <= screen.height()
    assert second.table.columnWidth(COL_ISSUER) == 311
    assert second.doc_split.sizes() == split
    second.close()

    # A damaged saved layout is ignored: defaults, no crash.
    s = QSettings("GovDesk", "GovDesk")
    s.setValue("inbox/header", b"\x00garbage")
    s.setValue("window/geometry", "not a geometry")
    s.sync()
    third = _window(qtbot, ctx)
    assert third.table.columnWidth(COL_ISSUER) > 0
    third.close()


def test_save_as_pdf_menu_action_and_shortcut_write_the_form(
        qtbot, ops, zh, leader, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The File menu item and Ctrl+Shift+P: QAction.triggered(bool) used to arrive as
    export_form's target (False), a TypeError in printing.export_pdf and no file."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    window = _window(qtbot, AppContext(leader, ops))
    _open_document_with_opinions(qtbot, ops, window)
    chosen = iter([tmp_path / "menu.pdf", tmp_path / "shortcut.pdf"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(next(chosen)), "PDF (*.pdf)")))
    action = next(a for a in window.actions() if a.shortcut().toString() == "Ctrl+Shift+P")
    action.trigger()
    assert (tmp_path / "menu.pdf").read_bytes()[:5] == b"%PDF-"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2_000)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: (tmp_path / "shortcut.pdf").is_file(), timeout=5_000)
    assert (tmp_path / "shortcut.pdf").read_bytes()[:5] == b"%PDF-"
    assert _flat(window.document.detail().title) in _pdf_text(tmp_path / "shortcut.pdf")
    window.close()
