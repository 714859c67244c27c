"""Qt's own dialogs in Chinese (issue 10, item 17): the file dialog said "Look in:",
"Files of type:" and 体积 for a file's size. Qt's qtbase_zh_CN.qm is shipped with our
catalogue and loaded, and ours overrides the words we say differently."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QLabel, QTreeView

from client.language import translations_dir
from client.ui import i18n


def test_qt_catalogue_is_shipped_with_ours() -> None:
    # tools/build_translations.py copies it; build.spec bundles resources/translations.
    assert (translations_dir() / "qtbase_zh_CN.qm").exists()
    spec = (Path(__file__).resolve().parents[2] / "build.spec").read_text(encoding="utf-8")
    assert '("translations", ("*.qm",))' in spec


def test_file_dialog_is_chinese(qtbot, zh, tmp_path) -> None:  # noqa: ANN001
    translate = QCoreApplication.translate
    assert translate("QFileDialog", "Look in:") != "Look in:"
    assert translate("QFileDialog", "Files of type:") != "Files of type:"
    assert translate("QFileSystemModel", "Size") == "大小"

    (tmp_path / "a.pdf").write_bytes(b"%PDF-")
    dialog = QFileDialog(None, "保存", str(tmp_path), "PDF (*.pdf)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait(100)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert not labels & {"Look in:", "Files of type:", "&Look in:", "Files of &type:",
                         "File &name:"}, labels
    assert {"查找范围(&L)：", "文件类型(&T)："} <= labels
    views = [v for v in dialog.findChildren(QTreeView) if v.model() is not None]
    headers = {v.model().headerData(i, v.header().orientation())
               for v in views for i in range(v.model().columnCount())}
    assert "大小" in headers and "体积" not in headers and "Size" not in headers
    assert all(not any(c.isascii() and c.isalpha() for c in t.replace("%1", ""))
               for t in i18n.file_type_texts())  # the 类型 column: 文件夹, PDF 文件
    dialog.close()


def test_the_qt_catalogue_is_found_without_our_copy(qapp, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    """A checkout where tools/build_translations.py has not run yet: PySide6's own file."""
    from PySide6.QtCore import QTranslator

    dirs = [tmp_path, *i18n.qt_catalogue_dirs()[1:]]
    monkeypatch.setattr(i18n, "qt_catalogue_dirs", lambda: dirs)
    assert i18n.load_qt_catalogue(QTranslator(qapp), "zh_CN")
