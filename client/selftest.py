"""`govdesk --self-test`: is this installation able to run? (for county IT after a rollout)

Checks, each independent of the others so one failure does not hide the next:
- config:   the layered settings load (machine config, policy, user file, environment);
- data:     the user's data folder is writable;
- qt:       Qt starts offscreen in a child process (Qt aborts the whole process when it
            cannot start, so it never runs in this one), finds its plugins and a CJK font;
- cache:    a throw-away SQLCipher cache opens and migrates through client.db.open_cache;
- keyring:  an OS keyring backend is there and answers a read (nothing is written);
- trust:    the OS trust store loads, plus the county CA file when one is configured;
- platform: GET /api/v1/meta answers, when a server is configured.
Nothing here needs a signed-in account, and nothing reads or writes user documents.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from client.config import Settings, load_settings, machine_config_path, policy_path
from client.errors import GovDeskError

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
_MARK = {OK: "[ OK ]", WARN: "[WARN]", FAIL: "[FAIL]", SKIP: "[SKIP]"}

QT_PROBE_ENV = "GOVDESK_SELFTEST_QT_PROBE"
QT_PROBE_TIMEOUT = 60.0
KEYRING_TIMEOUT = 20.0
PLATFORM_CONNECT_TIMEOUT = 3.0
PLATFORM_READ_TIMEOUT = 5.0


@dataclass
class Check:
    name: str
    status: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class SelfTestReport:
    version: str
    checks: list[Check]
    started_at: float
    duration_s: float

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "ok": self.ok, "started_at": self.started_at,
                "duration_s": round(self.duration_s, 3),
                "checks": [dataclasses.asdict(c) for c in self.checks]}

    def text(self) -> str:
        lines = [f"GovDesk {self.version} 自检 / self-test  "
                 f"({platform.system()} {platform.release()}, Python {platform.python_version()}"
                 f"{', frozen' if is_frozen() else ''})"]
        for c in self.checks:
            lines.append(f"{_MARK[c.status]} {c.name:<9} {c.summary}")
            if c.status == FAIL and c.details.get("detail"):
                lines.append(f"            {str(c.details['detail'])[:240]}")
        verdict = "通过 / passed" if self.ok else "未通过 / FAILED"
        lines.append(f"结果 / result: {verdict}  ({self.duration_s:.1f} s)")
        return "\n".join(lines)


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def client_version() -> str:
    """The installed (or bundled) package version; a bare checkout reads pyproject.toml."""
    try:
        return metadata.version("govdesk")
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "0+unknown"


def _guard(name: str, fn: Callable[[], Check]) -> Check:
    """A check that raises is a failed check with the reason, never a crashed self-test."""
    try:
        return fn()
    except GovDeskError as exc:
        # The detail (the proxy's answer, OpenSSL's reason) is what IT needs next.
        details = {"code": exc.code}
        if exc.detail:
            details["detail"] = re.sub(r"//[^/@\s]+@", "//***@", exc.detail)
        return Check(name, FAIL, f"{exc.message} [{exc.code}]", details)
    except Exception as exc:  # a self-test must report, whatever broke
        return Check(name, FAIL, f"{type(exc).__name__}: {exc}")


# --- individual checks ----------------------------------------------------------------


def check_data_dir() -> Check:
    from client.paths import data_root

    root = data_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".selftest-", delete=True) as f:
        f.write(b"x")
        f.flush()
    usage = _disk_free_mb(root)
    status = WARN if usage is not None and usage < 500 else OK
    return Check("data", status, f"{root} 可写 / writable, free {usage} MB",
                 {"path": str(root), "free_mb": usage})


def _disk_free_mb(path: Path) -> int | None:
    try:
        import shutil

        return shutil.disk_usage(path).free // (1024 * 1024)
    except OSError:
        return None


def qt_probe_command() -> list[str]:
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "client.ui.qt_probe"]


def check_qt() -> Check:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{QT_PROBE_ENV: "1"})
    if not is_frozen():
        # The child must import this checkout's `client` even without an install.
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        proc = subprocess.run(qt_probe_command(), env=env, capture_output=True, text=True,
                              timeout=QT_PROBE_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Check("qt", FAIL, f"Qt 在 {QT_PROBE_TIMEOUT:.0f} 秒内未能启动 / did not start")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        return Check("qt", FAIL, f"Qt 无法启动 / cannot start (exit {proc.returncode}): {tail}")
    info = json.loads(lines[-1])
    problems = []
    if not info.get("cjk_fonts"):
        problems.append("未找到中文字体 / no CJK font (install fonts-noto-cjk)")
    if not info.get("svg_icon"):
        problems.append("图标无法显示 / SVG icons do not render")
    summary = f"Qt {info.get('qt')} ({info.get('platform')})"
    if info.get("cjk_fonts"):
        summary += f", font {info['cjk_fonts'][0]}"
    return Check("qt", WARN if problems else OK,
                 summary + ("; " + "; ".join(problems) if problems else ""), info)


def check_cache() -> Check:
    from client import db as cache_db
    from client import migrations

    with tempfile.TemporaryDirectory(prefix="govdesk-selftest-") as tmp:
        path = Path(tmp) / "selftest.db"
        key = os.urandom(cache_db.KEY_BYTES)
        db = cache_db.open_cache(path, key)
        try:
            cipher = db.execute_sql("PRAGMA cipher_version").fetchone()
            tables = db.execute_sql(
                "SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        finally:
            cache_db.close_cache(db)
        # The file must be unreadable without the key (it really is encrypted).
        if path.read_bytes()[:16] == b"SQLite format 3\x00":
            return Check("cache", FAIL, "缓存文件未加密 / cache file is not encrypted")
    if not cipher or not cipher[0]:
        return Check("cache", FAIL, "SQLCipher 不可用 / SQLCipher missing")
    return Check("cache", OK, f"SQLCipher {cipher[0]}, schema v{migrations.CURRENT_VERSION}, "
                 f"{tables} tables", {"sqlcipher": cipher[0], "tables": tables,
                                      "schema_version": migrations.CURRENT_VERSION})


def check_keyring() -> Check:
    import keyring
    from keyring.backends import chainer, fail

    from client.keystore import Keystore

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring) or (
            isinstance(backend, chainer.ChainerBackend) and not backend.backends):
        return Check("keyring", FAIL, "没有可用的系统密钥环 / no OS keyring backend "
                     "(Linux: gnome-keyring or KWallet; Windows: Credential Manager)",
                     {"backend": name})
    # A read proves the backend answers (D-Bus up, collection unlocked). The entry does
    # not exist; nothing is ever written. A locked keyring may prompt: bound the wait.
    result: dict[str, BaseException | None] = {}

    def probe() -> None:
        try:
            Keystore("selftest").check_available()
            result["error"] = None
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(KEYRING_TIMEOUT)
    if "error" not in result:
        return Check("keyring", FAIL, f"密钥环 {KEYRING_TIMEOUT:.0f} 秒内无响应（是否已锁定？）"
                     " / keyring did not answer", {"backend": name})
    if result["error"] is not None:
        raise result["error"]
    return Check("keyring", OK, name, {"backend": name})


def _describe_ca_file(path: str) -> dict[str, Any]:
    from cryptography import x509

    data = Path(path).read_bytes()
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        certs = [x509.load_der_x509_certificate(data)]
    now = time.time()
    out = []
    for cert in certs:
        expires = cert.not_valid_after_utc.timestamp()
        out.append({"subject": cert.subject.rfc4514_string(),
                    "expires": cert.not_valid_after_utc.isoformat(),
                    "expired": expires < now, "days_left": int((expires - now) // 86400)})
    return {"ca_file": path, "certificates": out}


def check_trust(settings: Settings) -> Check:
    import ssl

    from client.sync.api import build_ssl_context

    ctx = build_ssl_context(None)  # the OS store alone must load
    paths = ssl.get_default_verify_paths()
    details: dict[str, Any] = {"openssl": ssl.OPENSSL_VERSION, "cafile": paths.cafile,
                               "capath": paths.capath, "context": type(ctx).__module__}
    if not settings.ca_file:
        return Check("trust", OK, "系统证书库 / OS trust store (no county CA configured)",
                     details)
    if not Path(settings.ca_file).is_file():
        return Check("trust", FAIL, f"证书文件不存在 / CA file missing: {settings.ca_file}",
                     details)
    try:
        details.update(_describe_ca_file(settings.ca_file))
    except ValueError as exc:
        return Check("trust", FAIL, f"证书文件格式错误 / CA file is not a PEM/DER certificate:"
                     f" {settings.ca_file} ({exc})", details)
    build_ssl_context(settings.ca_file)  # raises ConfigError if OpenSSL refuses it
    certs = details["certificates"]
    expired = [c["subject"] for c in certs if c["expired"]]
    if expired:
        return Check("trust", FAIL, f"县级根证书已过期 / county CA expired: {expired[0]}", details)
    soon = min(c["days_left"] for c in certs)
    status = WARN if soon < 30 else OK
    return Check("trust", status, f"系统证书库 + {settings.ca_file} ({len(certs)} cert, "
                 f"{soon} days left)", details)


def check_platform(settings: Settings) -> Check:
    if not settings.server_url:
        return Check("platform", SKIP, "未配置平台地址 / no server_url configured")
    from client.sync.api import PlatformApi

    quick = dataclasses.replace(settings, connect_timeout=PLATFORM_CONNECT_TIMEOUT,
                                read_timeout=PLATFORM_READ_TIMEOUT, http_retries=0)
    api = PlatformApi(settings.server_url, quick)
    started = time.monotonic()
    try:
        meta = api.meta()
    finally:
        api.close()
    elapsed_ms = int((time.monotonic() - started) * 1000)
    details = {"server_url": settings.server_url, "server_version": meta.server_version,
               "min_client_version": meta.min_client_version, "protocol": meta.protocol,
               "instance_id": meta.instance_id, "elapsed_ms": elapsed_ms}
    summary = (f"{settings.server_url} 平台 {meta.server_version}, 协议 {meta.protocol}, "
               f"{elapsed_ms} ms")
    if _version_tuple(client_version()) < _version_tuple(meta.min_client_version):
        return Check("platform", FAIL, summary + f"; 客户端过旧 / client older than "
                     f"{meta.min_client_version}", details)
    return Check("platform", OK, summary, details)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


# --- the run --------------------------------------------------------------------------


def run_self_test(settings: Settings, *, include_qt: bool = True, include_network: bool = True
                  ) -> tuple[SelfTestReport, bool]:
    """Run every check against `settings`; returns (report, ok). Never raises."""
    started = time.time()
    t0 = time.monotonic()
    config = Check("config", OK, f"machine {machine_config_path()}, policy {policy_path()}",
                   {"machine_config": str(machine_config_path()),
                    "policy": str(policy_path()),
                    "server_url": settings.server_url,
                    "server_url_source": settings.sources.get("server_url", "default"),
                    "locked": sorted(settings.locked)})
    checks = [config, _guard("data", check_data_dir)]
    if include_qt:
        checks.append(_guard("qt", check_qt))
    checks += [_guard("cache", check_cache), _guard("keyring", check_keyring),
               _guard("trust", lambda: check_trust(settings))]
    if include_network:
        checks.append(_guard("platform", lambda: check_platform(settings)))
    report = SelfTestReport(client_version(), checks, started, time.monotonic() - t0)
    return report, report.ok


def load_settings_checked(flags: dict[str, Any] | None = None
                          ) -> tuple[Settings, Check | None]:
    """Settings, or the built-in defaults plus a failed config check saying why."""
    try:
        return load_settings(flags or {}), None
    except GovDeskError as exc:
        return Settings(), Check("config", FAIL, f"{exc.message} [{exc.code}]")


def _parse_flags(args: list[str]) -> tuple[dict[str, Any], bool]:
    """`--server URL`, `--ca-file PATH`, `--proxy URL` (as the other commands take them)
    and `--json`; the flags win over every configured setting, as everywhere."""
    import argparse

    parser = argparse.ArgumentParser(prog="govdesk --self-test", add_help=False)
    parser.add_argument("--server")
    parser.add_argument("--ca-file")
    parser.add_argument("--proxy")
    parser.add_argument("--json", action="store_true")
    ns, _unknown = parser.parse_known_args(args)
    flags = {"server_url": ns.server, "ca_file": ns.ca_file, "proxy": ns.proxy}
    return {k: v for k, v in flags.items() if v}, bool(ns.json)


def main(argv: list[str] | None = None) -> int:
    """`govdesk --self-test [--server URL] [--ca-file F] [--proxy URL] [--json]`: print the
    report; exit 1 when a check failed."""
    args = list(sys.argv[1:] if argv is None else argv)
    flags, as_json = _parse_flags(args)
    settings, config_failure = load_settings_checked(flags)
    report, ok = run_self_test(settings)
    if config_failure is not None:
        report.checks[0] = config_failure
        ok = False
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
