"""The proxy failures again, through Debian's tinyproxy (a real proxy, as county IT runs
one; tests/support/debianproxy.py): each gives its own message, as with the tests' own
proxy (test_proxy.py), and a platform the proxy cannot reach is not the platform failing."""

from __future__ import annotations

import socket

import pytest
from synckit import PASSWORD

from client.config import load_settings
from client.errors import NetworkError
from client.session import Profile
from client.sync.api import PlatformApi
from tests.support.debianproxy import Tinyproxy

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
