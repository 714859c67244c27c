"""Settings: text size (scales the whole UI at once), language, auto-lock; what a policy
file locks is shown, not offered."""

from __future__ import annotations

import logging
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

from client.config import save_user_setting
from client.errors import ConfigError
from client.ui import i18n, theme

log = logging.getLogger(__name__)

# Auto-lock choices offered when no policy locks it (minutes; 0 = never).
AUTO_LOCK_CHOICES = (0, 5, 10, 15, 30, 60)


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
        layout.addLayout(form)
        # Below the form, not in it: a wrapped label in a form row gets the height of one
        # line, so its second line ran over the next row (and the banner was cut).
        self.language_note = QLabel(self.tr("A new language applies when GovDesk starts "
                                            "again."))
        self.language_note.setObjectName("muted")
        self.language_note.setWordWrap(True)
        layout.addWidget(self.language_note)
        self.auto_lock: QComboBox | None = None
        self.auto_lock_label: QLabel | None = None
        minutes = getattr(ctx, "auto_lock_minutes", None)
        self._lock_locked = bool(getattr(ctx, "auto_lock_locked", False))
        if minutes is not None:
            lock_form = QFormLayout()
            minutes = int(minutes)
            if self._lock_locked:  # the county's policy file fixes it
                self.auto_lock_label = QLabel(
                    self.tr("After %1 minutes without use (set by your administrator)")
                    .replace("%1", str(minutes)) if minutes else
                    self.tr("Off (set by your administrator)"))
                self.auto_lock_label.setWordWrap(True)
                lock_form.addRow(self.tr("Auto-lock:"), self.auto_lock_label)
            else:
                self.auto_lock = QComboBox()
                self.auto_lock.setAccessibleName(self.tr("Auto-lock"))
                choices = sorted(set(AUTO_LOCK_CHOICES) | {minutes})
                for m in choices:
                    self.auto_lock.addItem(
                        self.tr("After %1 minutes without use").replace("%1", str(m))
                        if m else self.tr("Never"), m)
                self.auto_lock.setCurrentIndex(choices.index(minutes))
                lock_form.addRow(self.tr("&Auto-lock:"), self.auto_lock)
            layout.addLayout(lock_form)
        self._ctx = ctx
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
        self.language_note.updateGeometry()
        self.adjustSize()  # the banner is taller (padding, often a second line): room for it

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
        self._save_auto_lock()
        super().accept()

    def auto_lock_minutes(self) -> int | None:
        """The chosen auto-lock minutes, or None when it is not the user's to choose."""
        return int(self.auto_lock.currentData()) if self.auto_lock is not None else None

    def _save_auto_lock(self) -> None:
        minutes = self.auto_lock_minutes()
        if minutes is None or minutes == int(getattr(self._ctx, "auto_lock_minutes", -1)):
            return
        try:
            save_user_setting("auto_lock_minutes", minutes)
        except (ConfigError, OSError) as exc:  # a policy appeared meanwhile, a read-only disk
            log.warning("auto-lock setting not saved: %s", exc)
            return
        self._ctx.auto_lock_minutes = minutes

    def reject(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, self._original)
        super().reject()
