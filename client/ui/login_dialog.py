"""Sign-in: online against the platform, or offline with the password checked locally."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from client.ui import theme
from client.ui.ops import BackgroundOps
from client.ui.resources import icon


def sign_in(server_url: str, username: str, password: str, enrolment_code: str = ""
            ) -> tuple[Any, bool]:
    """Online first; when the platform cannot be reached and this PC knows the account,
    open the cache offline. Returns (profile, online). Runs on a worker thread.

    A first sign-in that cannot reach the platform says so, naming the address: "never
    signed in online on this PC" would send the person looking for the wrong fault."""
    from client.errors import AuthError, NetworkError
    from client.session import Profile

    try:
        return Profile.login(server_url, username, password,
                             enrolment_code=enrolment_code or None), True
    except NetworkError as unreachable:
        try:
            return Profile.open_offline(server_url, username, password), False
        except AuthError as offline:
            if offline.code == "auth.offline_unavailable":
                raise NetworkError("network.first_login_unreachable", url=server_url,
                                   detail=unreachable.detail or unreachable.code) \
                    from unreachable
            raise


def with_scheme(address: str) -> str:
    """The platform address as typed, with https:// in front when it names no scheme
    ("oa.example.gov.cn" is meant as the platform's secure address)."""
    address = address.strip()
    if address and "://" not in address:
        return "https://" + address
    return address


class LoginDialog(QDialog):
    def __init__(self, ops: BackgroundOps, *, server_url: str = "", username: str = "",
                 server_locked: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.profile: Any = None
        self.online = False
        self.setWindowTitle(self.tr("GovDesk — Sign in"))
        self.setWindowIcon(icon("govdesk"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        logo = QLabel()
        logo.setPixmap(icon("govdesk").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(logo)
        title = QLabel(self.tr("GovDesk county e-government desk"))
        title.setFont(theme.ui_font(delta=5, bold=True))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        sub = QLabel(self.tr("Documents, sign-off and notices — also without a network"))
        sub.setObjectName("muted")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(sub)
        form = QFormLayout()
        form.setContentsMargins(0, 16, 0, 8)
        self.server = QLineEdit(server_url)
        self.server.setAccessibleName(self.tr("Platform address"))
        self.server.setReadOnly(server_locked)
        self.server.setPlaceholderText("https://oa.example.gov.cn")
        self.username = QLineEdit(username)
        self.username.setAccessibleName(self.tr("User name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        form.addRow(self.tr("Platform &address:"), self.server)
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)
        # Issue 13: the signing key of a PC's first sign-in is enrolled with this one-time
        # code from county IT; it may be left empty and entered later (Tools menu).
        self.code = QLineEdit()
        self.code.setAccessibleName(self.tr("Enrolment code"))
        self.code.setPlaceholderText(self.tr("first sign-in on this PC: from the county IT"))
        form.addRow(self.tr("Enrolment &code:"), self.code)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("errorBanner")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(self.tr("&Sign in"),
                                         QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("primary")
        self.ok.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.password if username else self.username).setFocus()

    def _submit(self) -> None:
        server = with_scheme(self.server.text())
        if server != self.server.text().strip():
            self.server.setText(server)  # shown, so the person sees what is used
        user = self.username.text().strip()
        password = self.password.text()
        if not server or not user or not password:
            self.show_error(self.tr("Please fill in the platform address, user name and "
                                    "password."))
            return
        self.ok.setEnabled(False)
        self.ok.setText(self.tr("Signing in…"))
        self.message.hide()

        def done(result: tuple[Any, bool]) -> None:
            self.profile, self.online = result
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.ok.setText(self.tr("&Sign in"))
            self.password.clear()
            self.password.setFocus()
            self.show_error(getattr(exc, "message", None) or str(exc))

        code = self.code.text().strip()
        self.ops.net(lambda: sign_in(server, user, password, code), done, failed, owner=self,
                     label="login")

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        # Room for the message: the dialog grows instead of squeezing the input fields.
        self.layout().activate()
        width = max(self.width(), self.minimumWidth())
        self.resize(width, max(self.height(), self.layout().totalHeightForWidth(width)))
