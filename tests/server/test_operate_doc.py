"""docs/operate.md is true: its commands are run, its sample files are the shipped ones
(issue 12 item 6).

Every command line of the guide's `sh` blocks is run here, in order of the guide's
sections, with /etc/govdesk, /var/lib/govdesk and /var/backups/govdesk moved under a
temporary directory. The exceptions are the host set-up commands listed in HOST_ONLY
(users, systemd, pip); for those the unit files are checked with
`systemd-analyze verify`. The platform runs as the unit's ExecStart says, with the
database URL (and its password) from the 0600 environment file, never on its command
line. nginx runs the sample configuration with TLS in front of it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.embedded import REPO_ROOT, free_port
from tests.support.services import require_service

DOC = REPO_ROOT / "docs" / "operate.md"
SAMPLES = REPO_ROOT / "packaging" / "platform"
HOST_ONLY = ("useradd ", "python3 -m venv ", "/opt/govdesk/.venv/bin/pip ", "systemctl ",
             "journalctl ")


def doc_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        out += [ln.strip() for ln in block.splitlines()
                if ln.strip() and not ln.strip().startswith("#")]
    return out


def test_the_samples_are_quoted_verbatim() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in ("govdesk-platform.service", "nginx-govdesk.conf", "platform.env.sample"):
        assert (SAMPLES / name).read_text(encoding="utf-8").strip() in text, name


def _sandboxed(cmd: str, root: Path, port: int) -> str:
    for real, fake in (("/etc/govdesk", root / "etc"), ("/var/lib/govdesk", root / "lib"),
                       ("/var/backups/govdesk", root / "backups")):
        cmd = cmd.replace(real, str(fake))
    cmd = cmd.replace("127.0.0.1:8765", f"127.0.0.1:{port}")
    # Owners (root, the govdesk user) are the host's business, not the test's.
    return re.sub(r" -o \S+ -g \S+", "", cmd)


class Sandbox:
    def __init__(self, root: Path, db_url: str) -> None:
        self.root = root
        self.db_url = db_url
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.ran: list[str] = []

    def run(self, cmd: str) -> subprocess.CompletedProcess[str]:
        """One command of the guide, as root's shell runs it from /opt/govdesk."""
        real = _sandboxed(cmd, self.root, self.port)
        if real.startswith("python -m server"):
            real = f"set -a && . {self.root}/etc/platform.env && set +a && " + real.replace(
                "python", sys.executable, 1)
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        env.pop("GOVDESK_DB_URL", None)
        proc = subprocess.run(["bash", "-c", real], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
        self.ran.append(cmd)
        return proc

    def env_file(self) -> dict[str, str]:
        pairs = (ln.split("=", 1) for ln in
                 (self.root / "etc" / "platform.env").read_text().splitlines()
                 if ln and not ln.startswith("#"))
        return dict(pairs)

    def start(self) -> None:
        unit = (SAMPLES / "govdesk-platform.service").read_text()
        exec_start = re.search(r"^ExecStart=(.*)$", unit, flags=re.M).group(1)  # type: ignore[union-attr]
        argv = _sandboxed(exec_start, self.root, self.port).split()
        argv[0] = sys.executable
        argv[argv.index("--port") + 1] = str(self.port)
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **self.env_file())
        self.proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz",
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the platform of the unit did not start")

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
            self.proc = None


@pytest.fixture
def sandbox(db_url: str, tmp_path: Path) -> Iterator[Sandbox]:
    if db_url.startswith("postgresql://"):
        # A password the trust-authenticated test cluster ignores: it must not show in ps.
        scheme, rest = db_url.split("://", 1)
        db_url = f"{scheme}://{rest.split('@', 1)[0]}:Secret-Pw-42@{rest.split('@', 1)[1]}"
    else:
        db_url = str(tmp_path / "lib" / "platform.db")
    box = Sandbox(tmp_path, db_url)
    (tmp_path / "lib").mkdir()
    yield box
    box.stop()


def _get(url: str, **kwargs: object) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10, **kwargs) as r:  # type: ignore[arg-type]
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_every_command_of_the_guide_runs(sandbox: Sandbox) -> None:
    commands = doc_commands()
    host_only = [c for c in commands if c.startswith(HOST_ONLY)]
    runnable = [c for c in commands if not c.startswith(HOST_ONLY)]

    # §1-2: directories and the environment file, 0600.
    for cmd in runnable:
        if cmd.startswith("install "):
            sandbox.run(cmd)
    env_path = sandbox.root / "etc" / "platform.env"
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    text = env_path.read_text().replace(
        "postgresql://govdesk:CHANGE-ME@127.0.0.1:5432/govdesk", sandbox.db_url)
    env_path.write_text(text)
    assert sandbox.env_file()["GOVDESK_DB_URL"] == sandbox.db_url
    sandbox.run("set -a && . /etc/govdesk/platform.env && set +a")
    sandbox.run("python -m server migrate")

    # §3: the unit's command line, the URL from the environment only.
    sandbox.start()
    assert sandbox.proc is not None
    cmdline = Path(f"/proc/{sandbox.proc.pid}/cmdline").read_bytes().decode()
    assert "Secret-Pw-42" not in cmdline and "GOVDESK" not in cmdline
    assert "server" in cmdline

    # §8: health and metrics.
    base = f"http://127.0.0.1:{sandbox.port}"
    sandbox.run("curl -fsS http://127.0.0.1:8765/healthz")
    _get(base + "/api/v1/meta")
    metrics = sandbox.run("curl -fsS http://127.0.0.1:8765/metrics").stdout
    for name in ("govdesk_http_requests_total", "govdesk_http_request_duration_seconds_bucket",
                 "govdesk_feed_head_seq", "govdesk_sessions_active", "govdesk_db_up 1",
                 "govdesk_db_errors_total"):
        assert name in metrics, name
    # Counters are per worker (`--workers 2`, §8): a scrape may reach the worker that has
    # answered nothing yet, and a scrape counts itself only once answered. Ask again.
    answered = r'govdesk_http_requests_total\{method="GET",status="2xx"\} [1-9]'
    for _ in range(10):
        if re.search(answered, metrics):
            break
        metrics = _get(base + "/metrics")[1]
    assert re.search(answered, metrics), metrics

    # §3 "Upload limits": what users uploaded, against the limits of the environment file.
    usage = sandbox.run("python -m server uploads").stdout
    assert usage.startswith("limits per user: 120 uploads a minute, 2048 MB a day"), usage

    # §5-7: backup while serving, the restore drill, the upgrade's migrate, purge.
    backup_cmd = "python -m server backup --out-dir /var/backups/govdesk --keep-days 30"
    sandbox.run(backup_cmd)
    [made] = list((sandbox.root / "backups").glob("platform-*"))
    sandbox.stop()
    drill = next(c for c in runnable if c.startswith("python -m server restore"))
    restored = sandbox.run(drill.replace(
        re.search(r"platform-\S+", drill).group(0), made.name))  # type: ignore[union-attr]
    assert "restore epoch now 1" in restored.stdout
    sandbox.ran.append(drill)  # the guide's command, with the name of today's backup
    sandbox.start()
    sandbox.run("curl -fsS http://127.0.0.1:8765/healthz")
    assert '"restore_epoch":1' in _get(base + "/api/v1/meta")[1]
    sandbox.run("python -m server purge --older-than-days 90")

    # §4: nginx -t on the sample (with a certificate of the test's own).
    nginx_ran = _nginx_check(sandbox)

    ran = set(sandbox.ran) | ({"nginx -t"} if nginx_ran else set())
    assert set(runnable) <= ran, set(runnable) - ran
    assert host_only, "the host set-up commands are listed"


def _nginx_conf(sandbox: Sandbox, listen: int) -> Path:
    root = sandbox.root / "nginx"
    (root / "logs").mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(root / "platform.key"), "-out", str(root / "platform.crt")],
                   check=True, capture_output=True)
    site = (SAMPLES / "nginx-govdesk.conf").read_text()
    site = site.replace("/etc/govdesk/tls", str(root)).replace(
        "listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;").replace(
        "127.0.0.1:8765", f"127.0.0.1:{sandbox.port}")
    conf = root / "nginx.conf"
    conf.write_text(f"""
pid {root}/nginx.pid;
error_log {root}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {root}/logs/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{site}
}}
""")
    return conf


def _nginx_check(sandbox: Sandbox) -> bool:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        require_service("nginx (the sample configuration is checked with it)")
        return False
    listen = free_port()
    conf = _nginx_conf(sandbox, listen)
    check = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(conf.parent)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(conf.parent), "-g",
                             "daemon off;"], stderr=subprocess.DEVNULL)
    try:
        ctx = ssl.create_default_context(cafile=str(conf.parent / "platform.crt"))
        deadline = time.monotonic() + 10
        status, body = 0, ""
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"https://127.0.0.1:{listen}/healthz", context=ctx)
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200 and '"ok"' in body
        _assert_events_stream_unbuffered(listen, ctx, sandbox)
    finally:
        proc.terminate()
        proc.wait(10)
    return True


def _assert_events_stream_unbuffered(listen: int, ctx: ssl.SSLContext, sandbox: Sandbox) -> None:
    """The first event of /api/v1/events reaches the client through nginx at once."""
    import json

    with sandbox_login(sandbox) as token:
        raw = socket.create_connection(("127.0.0.1", listen), timeout=5)
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
                      .encode())
            started = time.monotonic()
            got = b""
            while b"event:" not in got and b"data:" not in got:
                chunk = s.recv(4096)
                assert chunk, got
                got += chunk
            assert time.monotonic() - started < 3, "the event stream was held back"
    del json


class sandbox_login:  # noqa: N801 - a context manager used like a function
    """A signed-in admin of the sandbox platform (created for the test)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def __enter__(self) -> str:
        import json

        sb = self.sandbox
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), GOVDESK_PASSWORD="Fujin@2005",
                   **sb.env_file())
        for args in (["create-unit", "--name", "富锦市", "--kind", "county", "--id", "fj"],
                     ["create-user", "--username", "ops", "--name", "运维", "--unit", "fj",
                      "--roles", "admin"]):
            subprocess.run([sys.executable, "-m", "server", *args], cwd=REPO_ROOT, env=env,
                           check=True, capture_output=True)
        req = urllib.request.Request(
            f"http://127.0.0.1:{sb.port}/api/v1/auth/login", method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "ops", "password": "Fujin@2005",
                             "device_id": "ops-test", "device_name": "t"}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            return str(json.loads(r.read())["access_token"])

    def __exit__(self, *exc: object) -> None:
        return None


def test_the_unit_files_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        require_service("systemd-analyze")
    env = tmp_path / "platform.env"
    env.write_text("GOVDESK_DB_URL=/nonexistent\n")
    for unit in SAMPLES.glob("govdesk-*.service"):
        text = unit.read_text().replace("/opt/govdesk/.venv/bin/python", sys.executable)
        text = text.replace("/etc/govdesk/platform.env", str(env))
        (tmp_path / unit.name).write_text(text)
    for timer in SAMPLES.glob("govdesk-*.timer"):
        shutil.copy(timer, tmp_path / timer.name)
    units = sorted(str(p) for p in tmp_path.glob("govdesk-*"))
    assert len(units) == 5
    proc = subprocess.run([analyze, "verify", *units], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
