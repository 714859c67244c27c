"""启用签名密钥: enrol this PC's signing key with the password and a one-time code.

A bearer token alone must not be worth a signature (issue 13): the platform registers
the key only with the user's password, typed again here, and the enrolment code county
IT issued to them. The dialog runs the enrolment on a worker thread; a refusal keeps
the dialog open with the reason, and the typed code stays for a correction.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from client.ui.ops import BackgroundOps


class EnrolKeyDialog(QDialog):
    def __init__(self, ops: BackgroundOps, profile: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.profile = profile
        self.key_id: str | None = None
        self.setWindowTitle(self.tr("Enrol signing key"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "Before this PC can sign, its signing key must be enrolled. Enter your password "
            "again and the one-time enrolment code you received from the county information "
            "centre."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.code = QLineEdit()
        self.code.setAccessibleName(self.tr("Enrolment code"))
        self.code.setPlaceholderText("XXXX-XXXX-XXXX")
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("Enrolment &code:"), self.code)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("errorBanner")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(self.tr("&Enrol"),
                                         QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("primary")
        self.ok.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password.setFocus()

    def _submit(self) -> None:
        password, code = self.password.text(), self.code.text().strip()
        if not password or not code:
            self._error(self.tr("Please enter your password and the enrolment code."))
            return
        self.ok.setEnabled(False)
        self.message.hide()

        def done(key_id: str) -> None:
            self.key_id = key_id
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.password.clear()
            self.password.setFocus()
            self._error(getattr(exc, "message", None) or str(exc))

        self.ops.net(lambda: self.profile.enrol_key(password, code), done, failed, owner=self,
                     label="enrol key")

    def _error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
