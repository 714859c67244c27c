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

from client.ui import i18n, theme


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
        # Every screen sets its texts when it is built, so a new language needs a restart
        # (retranslating every open screen live is not worth its risk); the dialog says so.
        self._running_language = i18n.current_language()
        self.language.setCurrentIndex(1 if self._running_language == "en" else 0)
        self.language.currentIndexChanged.connect(self._language_changed)
        form.addRow(self.tr("&Language:"), self.language)
        self.language_note = QLabel(self.tr("A new language applies when GovDesk starts "
                                            "again."))
        self.language_note.setObjectName("muted")
        self.language_note.setWordWrap(True)
        form.addRow("", self.language_note)
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

    def restart_needed(self) -> bool:
        return self.language.currentData() != self._running_language

    def _language_changed(self) -> None:
        if self.restart_needed():
            self.language_note.setObjectName("banner")
            self.language_note.setText(self.tr("Restart GovDesk to use the new language. "
                                               "Your work is kept."))
        else:
            self.language_note.setObjectName("muted")
            self.language_note.setText(self.tr("A new language applies when GovDesk starts "
                                               "again."))
        self.language_note.style().unpolish(self.language_note)
        self.language_note.style().polish(self.language_note)

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
