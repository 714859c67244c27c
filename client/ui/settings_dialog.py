"""Settings: text size (scales the whole UI at once), language, what policy fixes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from client.ui import theme


def saved_scale() -> float:
    value = QSettings("GovDesk", "GovDesk").value("ui/fontScale", 1.0)
    try:
        scale = float(value)
    except (TypeError, ValueError):
        return 1.0
    return scale if 0.8 <= scale <= 2.0 else 1.0


def saved_language() -> str | None:
    value = QSettings("GovDesk", "GovDesk").value("ui/language")
    return str(value) if value else None


class SettingsDialog(QDialog):
    def __init__(self, ctx: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.scale = QComboBox()
        self.scale.setAccessibleName(self.tr("Text size"))
        for s in theme.FONT_SCALES:
            self.scale.addItem(f"{int(round(s * 100))} %", s)
        current = theme.current_scale()
        self.scale.setCurrentIndex(min(range(len(theme.FONT_SCALES)),
                                       key=lambda i: abs(theme.FONT_SCALES[i] - current)))
        self.scale.currentIndexChanged.connect(self._apply_scale)
        form.addRow(self.tr("&Text size:"), self.scale)
        self.language = QComboBox()
        self.language.setAccessibleName(self.tr("Language"))
        self.language.addItem("简体中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(1 if saved_language() == "en" else 0)
        form.addRow(self.tr("&Language:"), self.language)
        note = QLabel(self.tr("A new language applies when GovDesk starts again."))
        note.setObjectName("muted")
        form.addRow("", note)
        minutes = getattr(ctx, "auto_lock_minutes", None)
        if minutes is not None:
            lock = QLabel(self.tr("After %1 minutes without use (set by your administrator)")
                          .replace("%1", str(minutes)) if minutes else self.tr("Off"))
            form.addRow(self.tr("Auto-lock:"), lock)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._original = current

    def _apply_scale(self) -> None:
        # Live preview: the whole application follows, so the user sees the result.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, float(self.scale.currentData()))

    def accept(self) -> None:
        s = QSettings("GovDesk", "GovDesk")
        s.setValue("ui/fontScale", float(self.scale.currentData()))
        s.setValue("ui/language", self.language.currentData())
        s.sync()
        super().accept()

    def reject(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, self._original)
        super().reject()
