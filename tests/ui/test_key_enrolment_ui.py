"""Issue 13, High 1 in the GUI: the sign-in dialog's enrolment code, the 启用签名密钥
dialog (Tools menu) with password + code, a refusal that keeps the dialog open, and the
warning a second PC shows when a key was enrolled for the user elsewhere. Real demo
platform subprocess, real caches, offscreen widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from client.session import Profile
from client.ui.context import AppContext
from client.ui.enrol_dialog import EnrolKeyDialog
from client.ui.login_dialog import LoginDialog
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for

MAYOR = "zhangjianguo"


def test_sign_in_with_the_code_enrols_and_the_dialog_enrols_later(
        qtbot, ops, zh, platform, test_keyring, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    # PC1: the code typed in the sign-in dialog enrols this PC's key.
    monkeypatch.setenv("GOVDESK_HOME", str(tmp_path / "pc1"))
    dialog = LoginDialog(ops, server_url=platform.base_url, username=MAYOR)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.code.placeholderText() == "本机首次登录时填写，由县信息中心发放"
    dialog.password.setText(PASSWORD)
    dialog.code.setText(platform.issue_enrolment_code(MAYOR).lower())  # case is ignored
    dialog._submit()
    wait_for(qtbot, ops, lambda: dialog.profile is not None)
    pc1: Profile = dialog.profile
    assert pc1.key_enrolled
    pc1.sync()
    pc1.close()

    # PC2: signed in without a code: the window's Tools menu enrols it.
    monkeypatch.setenv("GOVDESK_HOME", str(tmp_path / "pc2"))
    monkeypatch.setenv("GOVDESK_TEST_KEYRING_FILE", str(tmp_path / "pc2-keyring.json"))
    pc2 = Profile.login(platform.base_url, MAYOR, PASSWORD)
    pc2.sync()
    assert not pc2.key_enrolled
    window = MainWindow(AppContext(pc2, ops))
    qtbot.addWidget(window)
    window.show()
    labels = [a.text() for a in window.menuBar().actions()[-1].menu().actions()]
    assert "启用签名密钥(&E)…" in labels
    enrol = EnrolKeyDialog(ops, pc2, window)
    qtbot.addWidget(enrol)
    enrol.show()
    enrol.password.setText(PASSWORD)
    enrol.code.setText("AAAA-BBBB-CCCC")
    enrol._submit()
    wait_for(qtbot, ops, lambda: enrol.message.isVisible())
    assert "签名启用码不正确" in enrol.message.text() and enrol.isVisible()
    assert not pc2.key_enrolled and enrol.password.text() == ""
    enrol.password.setText(PASSWORD)
    enrol.code.setText(platform.issue_enrolment_code(MAYOR))
    enrol._submit()
    wait_for(qtbot, ops, lambda: enrol.key_id is not None)
    assert pc2.key_enrolled and enrol.result() == EnrolKeyDialog.DialogCode.Accepted
    window.close()
    pc2.sync()
    pc2.close()

    # Back on PC1: a warning names the new key and the device it was enrolled on.
    monkeypatch.setenv("GOVDESK_HOME", str(tmp_path / "pc1"))
    monkeypatch.setenv("GOVDESK_TEST_KEYRING_FILE", str(test_keyring))
    pc1 = Profile.resume(platform.base_url, MAYOR)
    pc1.sync()
    window = MainWindow(AppContext(pc1, ops))
    qtbot.addWidget(window)
    window.show()
    window._announce_new_keys()
    wait_for(qtbot, ops, lambda: getattr(window, "key_notice", None) is not None)
    box: QMessageBox = window.key_notice
    assert box.isVisible() and box.icon() == QMessageBox.Icon.Warning
    assert enrol.key_id in box.text() and "如非本人操作" in box.text()
    box.close()
    # Told once: the next sync does not repeat it.
    window.key_notice = None
    window._announce_new_keys()
    qtbot.wait(500)
    assert window.key_notice is None
    window.close()
    pc1.close()
