"""The command line words its errors from the shared catalogue: Chinese by default,
English under an English locale or `--lang en`, with no Chinese leaking into English."""

from __future__ import annotations

import re
import socket

from synckit import run_cli

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _env(lang: str, **extra: str) -> dict[str, str]:
    return {"LANG": lang, "LC_ALL": "", "LC_MESSAGES": "", **extra}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_login_against_a_closed_port_in_english_and_in_chinese() -> None:
    server = f"http://127.0.0.1:{_closed_port()}"
    args = ("login", "--server", server, "--user", "wangli")
    english = run_cli(*args, env=_env("en_US.UTF-8", GOVDESK_PASSWORD="x"))
    assert english.returncode == 4, english.stderr
    assert "Error (network.unreachable): Cannot reach the platform." in english.stderr
    assert not CJK.search(english.stderr + english.stdout), english.stderr

    chinese = run_cli(*args, env=_env("C.UTF-8", GOVDESK_PASSWORD="x"))
    assert chinese.returncode == 4 and "错误：无法连接到平台" in chinese.stderr

    asked = run_cli(*args, "--lang", "en", env=_env("zh_CN.UTF-8", GOVDESK_PASSWORD="x"))
    assert asked.returncode == 4 and "Cannot reach the platform" in asked.stderr
    assert not CJK.search(asked.stderr)


def test_status_without_an_account_in_english() -> None:
    out = run_cli("status", env=_env("en_US.UTF-8"))
    assert out.returncode == 3
    assert out.stderr.strip() == \
        "Error (auth.not_logged_in): Not signed in. Please sign in first."
    assert "尚未登录" in run_cli("status", env=_env("zh_CN.UTF-8")).stderr
