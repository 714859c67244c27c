"""Sign-in (issue 10, item 25): a first sign-in to an address that does not answer says
so and names it; the fields keep their size when a message appears; an address without
a scheme gets https:// in front, visibly."""

from __future__ import annotations

import socket

import pytest

from client.errors import NetworkError
from client.ui.login_dialog import LoginDialog, sign_in, with_scheme


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_first_sign_in_to_an_unreachable_address_names_it(test_keyring) -> None:  # noqa: ANN001
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(NetworkError) as caught:
        sign_in(url, "zhangjianguo", "Fujin@2005")
    assert caught.value.code == "network.first_login_unreachable"
    assert url in caught.value.message
    assert "离线" not in caught.value.message and "offline" not in caught.value.message


def test_the_chinese_message_names_the_address(zh) -> None:  # noqa: ANN001
    error = NetworkError("network.first_login_unreachable", url="https://oa.example.gov.cn")
    assert "无法连接" in error.message and "https://oa.example.gov.cn" in error.message


def test_an_address_without_a_scheme_gets_https() -> None:
    assert with_scheme(" oa.example.gov.cn ") == "https://oa.example.gov.cn"
    assert with_scheme("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert with_scheme("") == ""


def test_submit_shows_the_address_used(qtbot, ops, monkeypatch) -> None:  # noqa: ANN001
    import client.ui.login_dialog as module

    used: list[str] = []

    def fake_sign_in(server: str, _user: str, _password: str, _code: str = "") -> tuple[object, bool]:
        used.append(server)
        raise NetworkError("network.first_login_unreachable", url=server)

    monkeypatch.setattr(module, "sign_in", fake_sign_in)
    dialog = LoginDialog(ops, server_url="oa.example.gov.cn", username="zhangjianguo")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText("x")
    dialog._submit()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=5_000)
    assert used == ["https://oa.example.gov.cn"]
    assert dialog.server.text() == "https://oa.example.gov.cn"
    assert "https://oa.example.gov.cn" in dialog.message.text()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_fields_keep_their_size_when_a_message_appears(qtbot, ops, qapp, lang) -> None:  # noqa: ANN001
    from client.ui import i18n

    i18n.install(qapp, lang)
    try:
        dialog = LoginDialog(ops, server_url="https://oa.example.gov.cn", username="u")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.wait(20)
        fields = (dialog.server, dialog.username, dialog.password)
        before = [f.height() for f in fields]
        assert all(h >= f.minimumSizeHint().height() - 2 for h, f in
                   zip(before, fields, strict=True))
        error = NetworkError("network.first_login_unreachable",
                             url="https://oa.example.gov.cn")
        dialog.show_error(error.message)
        qtbot.wait(20)
        assert [f.height() for f in fields] == before
        assert dialog.message.height() >= dialog.message.heightForWidth(
            dialog.message.width())
        assert dialog.buttons.geometry().top() >= dialog.message.geometry().bottom()
    finally:
        i18n.install(qapp, "en")
