"""Proxies as county IT sets them: from the settings or the environment, and when they
fail, a message that says which of the things went wrong: through a tiny proxy of the
tests' own (tests/support/httpproxy.py) and again through Debian's tinyproxy, a real one
as county IT runs it (tests/support/debianproxy.py), both on loopback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from synckit import PASSWORD, run_cli

from client import diagnose
from client.config import load_settings
from client.errors import ConfigError, NetworkError
from client.session import Profile
from client.sync.api import PlatformApi
from tests.support.debianproxy import Tinyproxy
from tests.support.httpproxy import TinyProxy

USER = "zhangjianguo"


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login_error(url: str, proxy: str) -> NetworkError:
    with pytest.raises(NetworkError) as err:
        Profile.login(url, USER, PASSWORD, settings=load_settings({"proxy": proxy}))
    return err.value


def _meta_error(url: str, proxy: str) -> NetworkError:
    api = PlatformApi(url, load_settings({"proxy": proxy, "http_retries": 0}))
    try:
        with pytest.raises(NetworkError) as err:
            api.meta()
    finally:
        api.close()
    return err.value


def test_http_proxy_from_the_environment_is_used_and_no_proxy_exempts(
        fresh_platform, monkeypatch: pytest.MonkeyPatch) -> None:
    url = fresh_platform.base_url
    with TinyProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        profile = Profile.login(url, USER, PASSWORD)
        try:
            assert profile.sync().objects > 0
        finally:
            profile.close()
        assert any("/api/v1/auth/login" in line for line in proxy.requests)
        assert any("/api/v1/changes" in line for line in proxy.requests)
        # The command line (a new process) takes it from the environment as well.
        seen = len(proxy.requests)
        cli = run_cli("sync", env={"HTTP_PROXY": proxy.url})
        assert cli.returncode == 0, cli.stderr
        assert len(proxy.requests) > seen
        # NO_PROXY names the platform: straight there, even with a dead proxy configured
        # in the environment.
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        seen = len(proxy.requests)
        profile = Profile.resume(url, USER)
        try:
            profile.sync()
        finally:
            profile.close()
        assert len(proxy.requests) == seen


def test_proxy_refused_and_unknown_host_have_their_own_messages(fresh_platform) -> None:
    url = fresh_platform.base_url
    refused = _login_error(url, f"http://127.0.0.1:{_closed_port()}")
    assert refused.code == "network.proxy_refused"
    assert "拒绝连接" in refused.message and "127.0.0.1" in refused.message
    unknown = _login_error(url, "http://proxy.invalid:3128")
    assert unknown.code == "network.proxy_unknown_host"
    assert "proxy.invalid" in unknown.message and "找不到" in unknown.message
    assert refused.message != unknown.message
    cli = run_cli("login", "--server", url, "--user", USER, "--proxy",
                  f"http://127.0.0.1:{_closed_port()}", env={"GOVDESK_PASSWORD": PASSWORD})
    assert cli.returncode == 4
    assert "拒绝连接" in cli.stderr and "详情" in cli.stderr  # the cause is shown too


def test_407_without_or_with_wrong_credentials_then_right_ones(fresh_platform) -> None:
    url = fresh_platform.base_url
    with TinyProxy(mode="auth", credentials=("it", "s3cret")) as proxy:
        missing = _login_error(url, proxy.url)
        assert missing.code == "network.proxy_auth"
        assert "407" in missing.message and "用户名和密码" in missing.message
        wrong = _login_error(url, f"http://it:wrong@127.0.0.1:{proxy.port}")
        assert wrong.code == "network.proxy_auth"
        assert "wrong" not in wrong.message  # the password is never shown
        profile = Profile.login(url, USER, PASSWORD, settings=load_settings(
            {"proxy": f"http://it:s3cret@127.0.0.1:{proxy.port}"}))
        profile.close()


@pytest.mark.parametrize("mode", ["auth", "forbid"])
def test_a_refusal_lost_to_a_reset_is_asked_again_without_a_body(fresh_platform,
                                                                 mode: str) -> None:
    """A proxy that refuses a POST and closes unread resets the connection, and the reset
    discards its answer: the client asks again without a body and names the refusal."""
    with TinyProxy(mode=mode, cut_bodies=True) as proxy:
        err = _login_error(fresh_platform.base_url, proxy.url)
        seen = list(proxy.requests)
    assert err.code == {"auth": "network.proxy_auth", "forbid": "network.proxy_forbidden"}[mode]
    assert "reset" in (err.detail or "")
    assert [line.split()[0] for line in seen][-1] == "GET"  # the bodiless question


def test_a_reset_through_a_proxy_that_lets_requests_through_stays_a_reset(
        fresh_platform) -> None:
    """The bodiless question reaches the platform: nothing to blame on the proxy, and the
    reset keeps its own code (the POST may be retried; the proxy is not named)."""
    with TinyProxy(cut_bodies=True) as proxy:
        err = _login_error(fresh_platform.base_url, proxy.url)
        seen = list(proxy.requests)
    assert err.code in ("network.proxy", "network.interrupted", "network.unreachable"), err.code
    assert "reset" not in (err.detail or "").split(";")[-1]
    assert seen[-1].startswith("GET ") and "/api/v1/meta" in seen[-1]


def test_403_from_the_proxy_is_not_the_platform_refusing(fresh_platform) -> None:
    with TinyProxy(mode="forbid") as proxy:
        err = _login_error(fresh_platform.base_url, proxy.url)
    assert err.code == "network.proxy_forbidden"
    assert "403" in err.message and "代理" in err.message


@pytest.mark.parametrize(("mode", "code"), [("auth", "network.proxy_auth"),
                                            ("forbid", "network.proxy_forbidden")])
def test_https_through_connect_gives_the_same_codes(mode: str, code: str) -> None:
    """An https platform is reached with CONNECT: the proxy's refusal comes before any
    TLS, as an exception rather than an answer."""
    with TinyProxy(mode=mode) as proxy:
        err = _meta_error(f"https://127.0.0.1:{_closed_port()}", proxy.url)
    assert err.code == code
    assert "Tunnel connection failed" in (err.detail or "")


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "ftp://127.0.0.1:21"])
def test_a_proxy_url_with_the_wrong_scheme(fresh_platform, proxy: str) -> None:
    with pytest.raises(ConfigError) as err:
        Profile.login(fresh_platform.base_url, USER, PASSWORD,
                      settings=load_settings({"proxy": proxy}))
    assert err.value.code == "config.proxy_scheme"
    assert "http://" in err.value.message
    cli = run_cli("login", "--server", fresh_platform.base_url, "--user", USER, "--proxy", proxy,
                  env={"GOVDESK_PASSWORD": PASSWORD})
    assert cli.returncode == 2 and "http://" in cli.stderr, cli.stderr


def test_diagnose_names_the_proxy_its_source_and_the_cause(
        fresh_platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://it:s3cret@127.0.0.1:{_closed_port()}")
    settings = load_settings({"server_url": fresh_platform.base_url})
    out = diagnose.connectivity_section(settings)
    assert out["proxy_source"] == "HTTP_PROXY"
    assert "s3cret" not in json.dumps(out, ensure_ascii=False)
    assert out["meta"]["code"] == "network.proxy_refused"
    assert "refused" in out["meta"]["detail"].lower()


def test_self_test_checks_the_server_given_on_its_command_line(fresh_platform,
                                                                 tmp_path: Path) -> None:
    cli = run_cli("--self-test", "--server", fresh_platform.base_url, "--json")
    report = json.loads(cli.stdout)
    platform = next(c for c in report["checks"] if c["name"] == "platform")
    assert platform["status"] == "ok", platform
    assert platform["details"]["server_url"] == fresh_platform.base_url
    dead = f"http://127.0.0.1:{_closed_port()}"
    cli = run_cli("--self-test", "--server", dead, "--json")
    report = json.loads(cli.stdout)
    platform = next(c for c in report["checks"] if c["name"] == "platform")
    assert platform["status"] == "fail" and platform["details"]["code"].startswith("network.")


# --- Debian's tinyproxy -------------------------------------------------------------


def test_sync_through_tinyproxy_from_the_environment(fresh_platform,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with Tinyproxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        profile = Profile.login(fresh_platform.base_url, USER, PASSWORD)
        try:
            assert profile.sync().objects > 0
        finally:
            profile.close()
        log = proxy.log()
    assert "/api/v1/auth/login" in log and "/api/v1/changes" in log


def test_tinyproxy_407_missing_wrong_then_right_credentials(fresh_platform) -> None:
    url = fresh_platform.base_url
    with Tinyproxy(mode="auth", credentials=("it", "s3cret")) as proxy:
        missing = _login_error(url, proxy.url)
        assert missing.code == "network.proxy_auth"
        wrong = _login_error(url, f"http://it:wrong@127.0.0.1:{proxy.port}")
        assert wrong.code == "network.proxy_auth"
        assert "wrong" not in wrong.message
        Profile.login(url, USER, PASSWORD, settings=load_settings(
            {"proxy": f"http://it:s3cret@127.0.0.1:{proxy.port}"})).close()


def test_tinyproxy_403_is_the_proxy_not_the_platform(fresh_platform) -> None:
    with Tinyproxy(mode="forbid") as proxy:
        err = _login_error(fresh_platform.base_url, proxy.url)
    assert err.code == "network.proxy_forbidden"
    assert "403" in err.message and "代理" in err.message


@pytest.mark.parametrize(("mode", "code"), [("auth", "network.proxy_auth"),
                                            ("forbid", "network.proxy_forbidden")])
def test_tinyproxy_refuses_a_connect_with_the_same_codes(mode: str, code: str) -> None:
    with Tinyproxy(mode=mode) as proxy:
        err = _meta_error(f"https://127.0.0.1:{_closed_port()}", proxy.url)
    assert err.code == code, (err.code, err.detail)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_platform_the_proxy_cannot_reach(scheme: str) -> None:
    """tinyproxy answers 500 "Unable to connect" (squid: 503): the proxy works, the
    platform's address beyond it does not answer."""
    with Tinyproxy() as proxy:
        err = _meta_error(f"{scheme}://127.0.0.1:{_closed_port()}", proxy.url)
    assert err.code == "network.proxy_upstream", (err.code, err.detail)
    assert "Unable to connect" in (err.detail or "") and "Unable to connect" in err.message
    assert "代理" in err.message and "平台" in err.message
