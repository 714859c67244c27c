"""Which proxy reaches the platform: GovDesk's setting, then NO_PROXY, then the scheme's
variable, then ALL_PROXY (docs/deploy.md "Proxies")."""

from __future__ import annotations

import pytest

from client.errors import ConfigError
from client.sync.api import PlatformApi, check_proxy_url, redact_proxy, resolve_proxy

HTTPS = "https://oa.fujin.gov.cn"
HTTP = "http://oa.fujin.gov.cn:8700"


def test_the_setting_wins_over_every_variable() -> None:
    env = {"HTTPS_PROXY": "http://env:3128", "ALL_PROXY": "http://all:3128", "NO_PROXY": "*"}
    assert resolve_proxy(HTTPS, "http://it:8080", environ=env).url == "http://it:8080"
    assert resolve_proxy(HTTPS, "http://it:8080", environ=env).source == "settings"
    # `direct` in the settings: no proxy whatever the environment says.
    assert resolve_proxy(HTTPS, "direct", environ=env).url is None


def test_scheme_variable_then_all_proxy() -> None:
    env = {"HTTPS_PROXY": "http://s:1", "HTTP_PROXY": "http://h:2", "ALL_PROXY": "http://a:3"}
    assert resolve_proxy(HTTPS, None, environ=env) .url == "http://s:1"
    assert resolve_proxy(HTTP, None, environ=env).url == "http://h:2"
    assert resolve_proxy(HTTPS, None, environ={"HTTP_PROXY": "http://h:2"}).url is None
    assert resolve_proxy(HTTPS, None, environ={"ALL_PROXY": "http://a:3"}).source == "ALL_PROXY"
    # Lower case first, as curl does.
    both = {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:1"}
    assert resolve_proxy(HTTPS, None, environ=both).url == "http://lower:1"
    assert resolve_proxy(HTTPS, None, environ={}).url is None


@pytest.mark.parametrize(("no_proxy", "bypassed"), [
    ("fujin.gov.cn", True), (".gov.cn", True), ("*.gov.cn", True), ("oa.fujin.gov.cn", True),
    ("*", True), ("other.gov.cn, localhost", False), ("jin.gov.cn", False),
    ("oa.fujin.gov.cn:8700", True), ("oa.fujin.gov.cn:9999", False),
])
def test_no_proxy(no_proxy: str, bypassed: bool) -> None:
    env = {"HTTP_PROXY": "http://h:2", "NO_PROXY": no_proxy}
    choice = resolve_proxy(HTTP, None, environ=env)
    assert (choice.url is None) == bypassed
    assert choice.source == ("NO_PROXY" if bypassed else "HTTP_PROXY")


def test_the_api_takes_the_environment_when_nothing_is_configured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.county:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    api = PlatformApi(HTTPS)
    try:
        assert api.session.proxies == {"http": "http://proxy.county:3128",
                                       "https": "http://proxy.county:3128"}
        assert api.proxy.source == "HTTPS_PROXY"
    finally:
        api.close()


@pytest.mark.parametrize("url", ["socks5://127.0.0.1:1080", "ftp://proxy:21", "proxy:3128",
                                 "http://"])
def test_a_proxy_url_with_a_wrong_scheme_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        check_proxy_url(url)
    assert err.value.code == "config.proxy_scheme"
    assert "http://" in err.value.message


def test_proxy_passwords_are_not_shown() -> None:
    assert redact_proxy("http://it:s3cret@proxy:3128") == "http://it:***@proxy:3128"
    assert redact_proxy("http://proxy:3128") == "http://proxy:3128"
