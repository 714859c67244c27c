"""Issue 13, High 2: the password never travels in clear to a host of the network.

`client login --server http://<not this PC>` must be refused before anything is sent,
whatever the config, the policy file or the environment say; loopback stays allowed
(PROTOCOL). A listener on this machine's network address proves that not even a
connection is made.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

import pytest

from client.errors import ConfigError
from client.sync.api import PlatformApi
from client.transport import is_loopback_host, require_secure_url
from tests.support.services import require_service
from tests.sync.synckit import run_cli


def _network_address() -> str | None:
    """An address of this machine that is not loopback (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


class _Listener:
    """Accepts connections on `address` and records what arrives."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((address, 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(1)
            with contextlib.suppress(OSError):
                self.received += conn.recv(65536)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.mark.parametrize("url", [
    "http://oa.fujin.gov.cn", "http://10.1.2.3:8700", "HTTP://OA.FUJIN.GOV.CN/",
    "http://[2001:db8::1]:80", "http://127.0.0.1.nip.io", "http://localhost.evil.cn"])
def test_plain_http_to_a_network_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        PlatformApi(url)
    assert refused.value.code == "config.insecure_http"
    assert "https://" in refused.value.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8700", "http://localhost:1", "http://[::1]:9",
                                 "http://127.8.9.10", "https://oa.fujin.gov.cn"])
def test_loopback_http_and_https_are_allowed(url: str) -> None:
    require_secure_url(url)
    PlatformApi(url).close()


def test_other_schemes_are_refused() -> None:
    for url in ("ftp://oa.fujin.gov.cn", "file:///etc/passwd", "http://"):
        with pytest.raises(ConfigError):
            require_secure_url(url)
    assert is_loopback_host("LOCALHOST.") and not is_loopback_host("10.0.0.1")


def test_cli_login_over_http_sends_nothing_whatever_the_policy(tmp_path: Path) -> None:
    address = _network_address()
    if address is None:
        require_service("this machine has no network address besides loopback")
    listener = _Listener(address)
    try:
        url = f"http://{address}:{listener.port}"
        # The policy file (above every layer) names the http address itself.
        policy = tmp_path / "policy.toml"
        policy.write_text(f'server_url = "{url}"\n', encoding="utf-8")
        secret = "Fujin@2005-not-to-be-seen"
        runs = [
            run_cli("login", "--server", url, "--user", "wangli",
                    env={"GOVDESK_PASSWORD": secret}),
            run_cli("login", "--user", "wangli",
                    env={"GOVDESK_PASSWORD": secret, "GOVDESK_POLICY_FILE": str(policy)}),
            run_cli("login", "--user", "wangli",
                    env={"GOVDESK_PASSWORD": secret, "GOVDESK_SERVER": url}),
        ]
        for run in runs:
            assert run.returncode != 0, run.stdout
            assert "http://" in run.stderr and "明文" in run.stderr, run.stderr
            assert "https://" in run.stderr
    finally:
        listener.close()
    assert listener.connections == 0 and secret.encode() not in listener.received
