"""Debian's tinyproxy, run by the tests on loopback: a real proxy, as county IT runs one,
beside the tests' own (tests/support/httpproxy.py), whose answers it checks against.

    with Tinyproxy(mode="auth", credentials=("it", "s3cret")) as proxy:
        proxy.url                  # http://127.0.0.1:PORT
        proxy.log()                # what tinyproxy logged (requests, refusals)

Modes: "open" forwards everything; "auth" demands Basic credentials (407); "forbid"
allows no client on this PC (403 "Access denied", as a proxy whose ACL lacks the PC).
Skips locally, fails in CI (.ci/run installs tinyproxy), when the binary is missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.services import require_service

BINARY = "tinyproxy"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Tinyproxy:
    def __init__(self, mode: str = "open", credentials: tuple[str, str] = ("it", "s3cret")) -> None:
        if mode not in {"open", "auth", "forbid"}:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.credentials = credentials
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Tinyproxy:
        binary = shutil.which(BINARY) or next(
            (p for p in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy") if Path(p).is_file()), None)
        if binary is None:
            require_service("tinyproxy (Debian package tinyproxy) is not installed")
        self._dir = tempfile.TemporaryDirectory(prefix="govdesk-tinyproxy-")
        folder = Path(self._dir.name)
        lines = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 30", "MaxClients 64",
                 # No client here is allowed in "forbid" (a documentation address only).
                 "Allow 192.0.2.1" if self.mode == "forbid" else "Allow 127.0.0.1",
                 # No ConnectPort line: CONNECT to any port (the platform's is seldom 443;
                 # "ConnectPort 0" would forbid CONNECT altogether).
                 "LogLevel Connect", f"LogFile \"{folder / 'tinyproxy.log'}\""]
        if self.mode == "auth":
            lines.append("BasicAuth {} {}".format(*self.credentials))
        (folder / "tinyproxy.conf").write_text("\n".join(lines) + "\n")
        # -d: stay in the foreground, so that the test owns the process.
        self._proc = subprocess.Popen([binary, "-d", "-c", str(folder / "tinyproxy.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise RuntimeError(f"tinyproxy exited with {self._proc.returncode}: {err}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("tinyproxy did not listen within 10 s")

    def log(self) -> str:
        assert self._dir is not None
        path = Path(self._dir.name) / "tinyproxy.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
