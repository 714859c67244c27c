"""Auto-lock: after the policy's idle minutes a full-window cover hides every document
until the user's password is entered again (checked offline, against the profile's
verifier). The check costs most of a second of scrypt on purpose (client/auth.py), so it
runs on a worker: the overlay asks `verify(password, done)` and waits for `done(ok)` on
the GUI thread, the field and button disabled meanwhile."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from client.ui import theme
from client.ui.resources import icon

_INPUT_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
}


class IdleWatcher(QObject):
    """Application-wide event filter: emits `idle` after `minutes` without input.

    `timer` may be given (a test passes a QTimer whose clock runs faster); the watcher
    asks it for `minutes × 60,000` ms either way."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None, *,
                 timer: QTimer | None = None) -> None:
        super().__init__(parent)
        self._timer = timer if timer is not None else QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self._minutes = minutes
        self.poke()

    def minutes(self) -> float:
        return self._minutes

    def poke(self) -> None:
        """Input seen: the idle time starts again."""
        if self._minutes > 0:
            self._timer.start(int(self._minutes * 60_000))
        else:
            self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self.poke()
        return False


class LockOverlay(QWidget):
    """Covers its parent entirely; the only way out is the right password."""

    unlocked = Signal()

    def __init__(self, parent: QWidget, *, user_label: str,
                 verify: Callable[[str, Callable[[bool], None]], None]) -> None:
        super().__init__(parent)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(self.tr("Screen locked"))
        self._verify = verify
        self._checking = False
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lock = QLabel()
        lock.setPixmap(icon("lock").pixmap(64, 64))
        lock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("GovDesk is locked"))
        title.setFont(theme.ui_font(delta=6, bold=True))
        self.title = title
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        who = QLabel(self.tr("Signed in as %1. Enter your password to continue.")
                     .replace("%1", user_label))
        who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.setMinimumWidth(320)
        self.password.returnPressed.connect(self._try)
        self.button = QPushButton(self.tr("&Unlock"))
        self.button.setObjectName("primary")
        self.button.clicked.connect(self._try)
        self.message = QLabel("")
        self.message.setObjectName("lockMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setAccessibleName(self.tr("Unlock message"))
        for w in (lock, title, who, self.password, self.button, self.message):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hide()
        parent.installEventFilter(self)

    def lock(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.password.clear()
        self.message.clear()
        self.show()
        self.raise_()
        self.password.setFocus()

    def is_locked(self) -> bool:
        return self.isVisible()

    def is_checking(self) -> bool:
        return self._checking

    def _try(self) -> None:
        if self._checking:
            return
        password = self.password.text()
        self.password.clear()
        self._set_checking(True)
        self.message.setText(self.tr("Checking the password…"))
        self._verify(password, self._checked)

    def _set_checking(self, on: bool) -> None:
        self._checking = on
        self.password.setEnabled(not on)
        self.button.setEnabled(not on)

    def _checked(self, ok: bool) -> None:
        self._set_checking(False)
        if ok:
            self.message.clear()
            self.hide()
            self.unlocked.emit()
        else:
            self.message.setText(self.tr("Wrong password, please try again."))
            self.password.setFocus()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the text size was changed
            # After the style sheet pass, which puts back the font it first saw.
            QTimer.singleShot(0, self, lambda: self.title.setFont(
                theme.ui_font(delta=6, bold=True)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False
