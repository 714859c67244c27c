"""Run the reference platform as a subprocess on loopback (demo mode and tests).

    with EmbeddedPlatform(demo=True) as platform:
        platform.base_url        # http://127.0.0.1:<free port>
        platform.accounts        # demo accounts, as `init-demo --json` prints them

The platform runs as `python -m server serve` so a test that kills it kills a real
process with its own database connections. `stop()` terminates it, `kill()` SIGKILLs
it, `start()` runs it again on the same database and port.

`tls=(cert_pem_path, key_pem_path)` serves HTTPS (`base_url` is then
`https://127.0.0.1:<port>`: the certificate needs the IP address 127.0.0.1 among its
names); the files are read at every `start()`, so a test may swap the certificate
between a stop and a start.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from server.db import normalise_url

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PlatformError(RuntimeError):
    """The platform subprocess did not start (or init-demo failed); carries its log tail."""


def _sqlite_path(db_url: str) -> Path | None:
    return Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None


def _run_init_demo(db_url: str, scale: int | None, env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "server", "init-demo", "--db", db_url, "--json"]
    if scale is not None:
        cmd += ["--scale", str(scale)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, timeout=900)
    if proc.returncode != 0:
        raise PlatformError(f"init-demo failed ({proc.returncode}): "
                            f"{proc.stderr.decode(errors='replace')[-3000:]}")
    info = json.loads(proc.stdout)
    return {"accounts": info} if isinstance(info, list) else info


# Building the demo county takes seconds (a hundred scrypt hashes, signatures, PDFs); a
# process that starts many demo platforms (the test suite) builds it once per scale and
# copies the SQLite file.
_templates: dict[int | None, tuple[Path, dict[str, Any]]] = {}
_template_dir: Path | None = None


# GOVDESK_DEMO_TEMPLATE_DIR names a directory whose templates outlive the process (tests
# that start the GUI demo many times): built by the first, copied by the others.
TEMPLATE_DIR_ENV = "GOVDESK_DEMO_TEMPLATE_DIR"


def _demo_template(scale: int | None, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    global _template_dir
    if scale not in _templates:
        shared = os.environ.get(TEMPLATE_DIR_ENV)
        if shared:
            _template_dir = Path(shared)
            _template_dir.mkdir(parents=True, exist_ok=True)
        elif _template_dir is None:
            _template_dir = Path(tempfile.mkdtemp(prefix="govdesk-demo-template-"))
            atexit.register(shutil.rmtree, _template_dir, True)
        path = _template_dir / f"demo-{scale or 0}.db"
        _templates[scale] = _shared_template(path, scale, env) if shared \
            else _build_template(path, scale, env)
    return _templates[scale]


def _build_template(path: Path, scale: int | None, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """init-demo into a file beside `path`, renamed over it when complete: a process that
    copies the template never sees half of one."""
    building = path.with_name(f"{path.stem}.{os.getpid()}.building.db")
    building.unlink(missing_ok=True)
    try:
        info = _run_init_demo(normalise_url(str(building)), scale, env)
        with contextlib.closing(sqlite3.connect(building)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to copy
        info_path = path.with_suffix(".json")
        info_tmp = building.with_suffix(".json")
        info_tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        os.replace(info_tmp, info_path)  # the info first: a database beside it is complete
        os.replace(building, path)
    finally:
        for leftover in (building, building.with_suffix(".json"),
                         Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
    return path, info


def demo_fingerprint() -> str:
    """What the demo county is built from: the platform's and the protocol's sources (a
    template made by other code is not this demo) and today's date in the county (the
    story is told relative to its "today")."""
    digest = hashlib.sha256()
    for folder in ("server", "protocol"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    today = datetime.now(timezone(timedelta(hours=8))).date().isoformat()
    return f"{today}-{digest.hexdigest()[:16]}"


def demo_template_cache(root: Path) -> Path:
    """`root`/<fingerprint>: where repeated GUI demos share the template (TEMPLATE_DIR_ENV);
    the templates of other days and other code under `root` are removed."""
    folder = root / demo_fingerprint()
    if root.is_dir():
        for old in root.iterdir():
            if old == folder:
                continue
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
    return folder


# How long a process waits for another one building the same shared template (init-demo
# takes ~13 s alone, longer on a loaded machine) before building its own.
SHARED_BUILD_WAIT = 300.0


def _shared_template(path: Path, scale: int | None, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """A template in a directory that several processes share (the test run's workers, the
    GUI demo started many times): built once, by whichever process comes first, while
    the others wait for it rather than build the same county again."""
    info_path = path.with_suffix(".json")
    lock = path.with_suffix(".lock")
    deadline = time.monotonic() + SHARED_BUILD_WAIT
    while True:
        if path.exists() and info_path.exists():
            try:
                return path, json.loads(info_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # damaged since (disk full, a hand edit): rebuild
                info_path.unlink(missing_ok=True)
                continue
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if time.monotonic() < deadline and not _stale_lock(lock):
                time.sleep(0.2)
                continue
            # The builder died (a demo closed during its first start) or hangs: take over.
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        try:
            if path.exists() and info_path.exists():  # finished between our look and the lock
                continue
            return _build_template(path, scale, env)
        finally:
            lock.unlink(missing_ok=True)


def _stale_lock(lock: Path) -> bool:
    """The build lock's holder is gone, or it is older than any build takes."""
    try:
        if time.time() - lock.stat().st_mtime > SHARED_BUILD_WAIT:
            return True
        pid = int(lock.read_text() or "0")
    except (OSError, ValueError):
        return False  # just released, or written as we read: look again
    if not pid or os.name != "posix":  # Windows: os.kill(pid, 0) would be a Ctrl+C
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


class EmbeddedPlatform:
    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        *,
        demo: bool = True,
        scale: int | None = None,
        port: int = 0,
        env: dict[str, str] | None = None,
        workers: int = 1,
        tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="govdesk-platform-")
            db_path = Path(self._tmp.name) / "platform.db"
        self.db_url = normalise_url(str(db_path))
        # Its log lives in a folder of its own, removed on close like the database's.
        self._own_workdir = self._tmp is None
        self.workdir = Path(self._tmp.name) if self._tmp else Path(tempfile.mkdtemp(prefix="govdesk-platform-"))
        self.log_path = self.workdir / "platform.log"
        self.demo = demo
        self.scale = scale
        self.port = port or free_port()
        self.tls = (str(tls[0]), str(tls[1])) if tls else None
        self.base_url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        self.accounts: list[dict[str, Any]] = []
        self.demo_info: dict[str, Any] = {}
        self._demo_done = False
        self._env = env or {}
        self.workers = workers
        self._proc: subprocess.Popen[bytes] | None = None
        # The demo administrator's access token (None: not signed in, False: no admin).
        self._admin_token: str | bool | None = None

    # --- lifecycle -----------------------------------------------------------------

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])]
        )
        env["PYTHONUNBUFFERED"] = "1"
        if self.demo:  # a machine with Python alone runs the demo, 核发 included
            env["GOVDESK_DEMO_PDF_FALLBACK"] = "1"
        env.update(self._env)
        return env

    def init_demo(self) -> None:
        """Fill the database with the demo county (SQLite: a copy of a per-process template)."""
        path = _sqlite_path(self.db_url)
        if path is not None and not path.exists():
            template, info = _demo_template(self.scale, self._child_env())
            # The copy is a new platform database: give it its own instance_id.
            shutil.copyfile(template, path)
            with contextlib.closing(sqlite3.connect(path)) as conn, conn:
                conn.execute("UPDATE meta SET instance_id = ? WHERE id = 1", (uuid.uuid4().hex,))
        else:
            info = _run_init_demo(self.db_url, self.scale, self._child_env())
        self.demo_info = info
        self.accounts = list(info.get("accounts", []))
        self._demo_done = True

    def start(self) -> EmbeddedPlatform:
        if self._proc is not None and self._proc.poll() is None:
            return self
        if self.demo and not self._demo_done:
            self.init_demo()
        if not self.workdir.exists():  # started again after close()
            self.workdir = Path(tempfile.mkdtemp(prefix="govdesk-platform-"))
            self.log_path = self.workdir / "platform.log"
            self._own_workdir = self._tmp is None
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self._proc = subprocess.Popen(
                # The URL (maybe with a password) in the environment, not in `ps`.
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
                 "--workers", str(self.workers), "--parent-pid", str(os.getpid()),
                 *(["--tls-cert", self.tls[0], "--tls-key", self.tls[1]] if self.tls else [])],
                cwd=REPO_ROOT, env={**self._child_env(), "GOVDESK_DB_URL": self.db_url},
                stdout=log, stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise PlatformError(f"platform exited with {self._proc.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/api/v1/meta", timeout=2,
                                            context=self._probe_context()) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.05)
        self.kill()
        raise PlatformError(f"platform did not answer within {START_TIMEOUT}s: {self.log_tail()}")

    def _probe_context(self) -> ssl.SSLContext | None:
        """The readiness probe only asks "is it up?"; whether the certificate is trusted is
        the client's business (and what TLS tests check)."""
        if not self.tls:
            return None
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate (SIGTERM: uvicorn shuts down gracefully), SIGKILL if it hangs."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def kill(self) -> None:
        """SIGKILL: the platform dies mid-whatever, as on a power cut."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()
        self._proc = None

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._own_workdir = False

    def __enter__(self) -> EmbeddedPlatform:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def issue_enrolment_code(self, username: str) -> str:
        """A fresh one-time signing-key enrolment code for `username`, as county IT issues
        it: through the demo administrator's admin API, else `python -m server
        enrolment-code` on the database."""
        if self.accounts and not self.tls and self._admin_token is not False:
            try:
                return self._code_by_admin_api(username)
            except (OSError, KeyError, ValueError):
                self._admin_token = False  # no demo admin here: use the CLI from now on
        proc = subprocess.run(
            [sys.executable, "-m", "server", "enrolment-code", "--db", self.db_url,
             "--user", username, "--json"],
            cwd=REPO_ROOT, env=self._child_env(), capture_output=True, timeout=120)
        if proc.returncode != 0:
            raise PlatformError(f"enrolment-code failed: {proc.stderr.decode(errors='replace')}")
        return str(json.loads(proc.stdout)["code"])

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def _code_by_admin_api(self, username: str) -> str:
        if not self._admin_token:
            admin = self.account("admin")
            grant = self._post("/api/v1/auth/login", {
                "username": "admin", "password": admin["password"],
                "device_id": "embedded-platform-it", "device_name": "county IT"})
            self._admin_token = str(grant["access_token"])
        user_id = self.account(username)["user_id"]
        try:
            out = self._post(f"/api/v1/admin/users/{user_id}/enrolment-codes", {},
                             str(self._admin_token))
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                raise
            self._admin_token = None  # expired: sign in again once
            return self._code_by_admin_api(username)
        return str(out["code"])

    def account(self, username: str) -> dict[str, Any]:
        for acc in self.accounts:
            if acc.get("username") == username:
                return acc
        raise KeyError(username)
