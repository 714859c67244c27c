"""`govdesk diagnose [--out FILE]`: a zip support bundle for county IT.

What goes in (and what never does):
- versions.json      client, Python, Qt/SQLCipher/... package versions, OS, install kind;
- config.json        every setting with its source (Settings.explain()), secrets removed;
                     which config files exist; GOVDESK_*/QT_* environment, redacted;
- selftest.txt/.json the self-test report (Qt, cache, keyring, trust store, platform);
- connectivity.json  DNS, TCP and TLS handshake to the configured platform, /api/v1/meta;
- sync_state.json    per profile: cursor present, last success, last error, counts of
                     pending/conflicting outbox ops and sign-offs — counts only, never a
                     document, opinion text, token or key;
- logs/              the last lines of the client's log files, with tokens masked.
The bundle is written to a temporary file and renamed, so a full disk never leaves a
half zip behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import socket
import ssl
import sys
import time
import zipfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from client import paths
from client.config import Settings, load_settings, machine_config_path, policy_path
from client.errors import GovDeskError, StorageError
from client.selftest import client_version, is_frozen, run_self_test

LOG_LINES = 400
MAX_LOG_FILES = 5
NETWORK_TIMEOUT = 3.0
REDACTED = "***"
_SECRET_WORDS = ("password", "passwd", "token", "secret", "passphrase", "cache_key",
                 "private")
PACKAGES = ("PySide6-Essentials", "pyside6-pdf", "shiboken6", "sqlcipher3", "peewee",
            "requests", "urllib3", "truststore", "keyring", "SecretStorage", "cryptography",
            "gmssl", "platformdirs")

# Patterns masked in log lines (logs never should hold secrets; this is the belt to
# that pair of braces).
_LOG_SCRUBBERS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(\"?(?:access_token|refresh_token|password|passphrase|token)\"?"
                r"\s*[:=]\s*)\"?[^\"\s,}&]+\"?"), r"\1" + REDACTED),
    (re.compile(r"x'[0-9a-fA-F]{32,}'"), "x'" + REDACTED + "'"),
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"), r"\1" + REDACTED + "@"),
]


# --- redaction ------------------------------------------------------------------------


def redact_url(value: str) -> str:
    """Drop the user:password part of a URL (proxies often carry one)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return REDACTED
    if parts.username is None and parts.password is None:
        return value
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{REDACTED}@{host}", parts.path, parts.query,
                       parts.fragment))


def redact_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if any(word in key.lower() for word in _SECRET_WORDS):
        return REDACTED
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    return value


def scrub_line(line: str) -> str:
    for pattern, replacement in _LOG_SCRUBBERS:
        line = pattern.sub(replacement, line)
    return line


# --- sections -------------------------------------------------------------------------


def _os_release() -> str:
    if sys.platform == "win32":
        return f"Windows {platform.version()} ({platform.win32_edition() or ''})"
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.platform()
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return fields.get("PRETTY_NAME", platform.platform()).strip('"')


def versions_section() -> dict[str, Any]:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    info: dict[str, Any] = {
        "govdesk": client_version(), "python": sys.version, "os": _os_release(),
        "platform": platform.platform(), "machine": platform.machine(),
        "frozen": is_frozen(), "executable": sys.executable, "packages": packages,
        "openssl": ssl.OPENSSL_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    uos_info = Path("/opt/apps/cn.gov.govdesk/info")  # the .deb's UOS manifest
    if uos_info.is_file():
        with contextlib.suppress(OSError, ValueError):
            info["deb_info"] = json.loads(uos_info.read_text(encoding="utf-8"))
    return info


def _file_facts(path: Path) -> dict[str, Any]:
    try:
        st = path.stat()
    except OSError:
        return {"path": str(path), "exists": False}
    return {"path": str(path), "exists": True, "size": st.st_size,
            "modified": datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds")}


def config_section(settings: Settings | None, error: GovDeskError | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "files": {"machine": _file_facts(machine_config_path()),
                  "policy": _file_facts(policy_path())},
        "data_root": str(paths.data_root()),
        "environment": {k: redact_value(k, v) for k, v in sorted(os.environ.items())
                        if k.startswith(("GOVDESK_", "QT_", "XDG_SESSION", "LANG", "LC_ALL"))
                        or k in ("DISPLAY", "WAYLAND_DISPLAY")},
    }
    with contextlib.suppress(Exception):
        from client.config import user_config_path

        out["files"]["user"] = _file_facts(user_config_path())
    if error is not None:
        out["error"] = {"code": error.code, "message": error.message}
    if settings is not None:
        out["settings"] = [{"key": key, "value": redact_value(key, value), "source": source}
                           for key, value, source in settings.explain()]
    return out


def connectivity_section(settings: Settings) -> dict[str, Any]:
    """DNS, TCP and TLS to the platform, step by step, so IT sees which step fails."""
    if not settings.server_url:
        return {"configured": False}
    url = urlsplit(settings.server_url)
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    from client.sync.api import resolve_proxy

    proxy = resolve_proxy(settings.server_url, settings.proxy)
    out: dict[str, Any] = {"configured": True, "server_url": redact_url(settings.server_url),
                           "host": host, "port": port,
                           "proxy": redact_url(proxy.url) if proxy.url else None,
                           # settings | HTTPS_PROXY | HTTP_PROXY | ALL_PROXY | NO_PROXY | none
                           "proxy_source": proxy.source}
    if proxy.url:
        out["note"] = "a proxy is in use: the direct DNS/TCP/TLS steps may fail by design"
    t0 = time.monotonic()
    try:
        addrs = sorted({ai[4][0] for ai in socket.getaddrinfo(host, port,
                                                              type=socket.SOCK_STREAM)})
        out["dns"] = {"ok": True, "addresses": addrs,
                      "ms": int((time.monotonic() - t0) * 1000)}
    except OSError as exc:
        out["dns"] = {"ok": False, "error": str(exc)}
        return out
    t0 = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=NETWORK_TIMEOUT)
    except OSError as exc:
        out["tcp"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return out
    out["tcp"] = {"ok": True, "ms": int((time.monotonic() - t0) * 1000)}
    with sock:
        if url.scheme == "https":
            out["tls"] = _tls_handshake(sock, host, settings.ca_file)
    from client.selftest import check_platform

    try:
        out["meta"] = check_platform(settings).details
    except GovDeskError as exc:
        # The detail holds the real cause (the proxy's answer, OpenSSL's reason).
        out["meta"] = {"ok": False, "code": exc.code, "error": exc.message,
                       "detail": re.sub(r"//[^/@\s]+@", "//***@", exc.detail)
                       if exc.detail else None}
    except Exception as exc:  # report, never crash the bundle
        out["meta"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return out


def _tls_handshake(sock: socket.socket, host: str, ca_file: str | None) -> dict[str, Any]:
    from client.sync.api import build_ssl_context

    try:
        ctx = build_ssl_context(ca_file)
    except GovDeskError as exc:
        return {"ok": False, "error": exc.message}
    try:
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            return {"ok": True, "version": tls.version(), "cipher": tls.cipher()[0]}
    except (ssl.SSLError, OSError) as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _count_by(db: Any, table: str, column: str) -> dict[str, int]:
    rows = db.execute_sql(f'SELECT "{column}", count(*) FROM "{table}" GROUP BY 1').fetchall()
    return {str(state): n for state, n in rows}


def profile_state(profile: Path) -> dict[str, Any]:
    """Sync health of one profile, from its cache.

    Its own connection, not `open_cache`: nothing is migrated or switched to WAL (a support
    tool leaves the file as it found it, even from an older version), and the cache is
    not registered as open, so a profile signed in alongside keeps its models' cache."""
    from client import db as cache_db
    from client import models
    from client.keystore import Keystore

    cache = paths.cache_path(profile)
    out: dict[str, Any] = {"profile": profile.name, "cache": _file_facts(cache)}
    blobs = paths.blobs_dir(profile)
    if blobs.is_dir():
        files = [p for p in blobs.rglob("*") if p.is_file()]
        out["blobs"] = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    if not cache.is_file():
        return out
    try:
        key = Keystore(profile.name).get_cache_key()
    except GovDeskError as exc:
        out["error"] = f"{exc.message} [{exc.code}]"
        return out
    if key is None:
        out["error"] = "密钥环中没有该账户的缓存密钥（已退出或已清除）/ no cache key in keyring"
        return out
    db = cache_db.CacheDatabase(None)
    db.init(str(cache), passphrase=cache_db.raw_key_passphrase(key),
            pragmas=[("busy_timeout", 5000)])
    try:
        db.connect()
        version = db.execute_sql(
            f'SELECT max(version) FROM "{models.SchemaVersion._meta.table_name}"').fetchone()
        state = db.execute_sql(
            'SELECT cursor IS NOT NULL, last_success_at, last_error, instance_id, '
            f'resync_in_progress FROM "{models.SyncState._meta.table_name}" WHERE id = 1'
        ).fetchone()
        out["schema_version"] = version[0] if version else None
        if state is None:
            out["sync"] = {"cursor_present": False, "last_success_at": None}
        else:
            last = state[1]
            out["sync"] = {
                "cursor_present": bool(state[0]),
                "last_success_at": (datetime.fromtimestamp(last, UTC).isoformat(
                    timespec="seconds") if last else None),
                "last_error": scrub_line(state[2]) if state[2] else None,
                "instance_id": state[3], "resync_in_progress": bool(state[4])}
        outbox = _count_by(db, models.OutboxOp._meta.table_name, "state")
        out["outbox"] = outbox
        out["local_opinions"] = _count_by(db, models.LocalOpinion._meta.table_name, "state")
        tasks = _count_by(db, models.Task._meta.table_name, "local_state")
        tasks.pop("", None)
        out["tasks_local_state"] = tasks
        out["pending_ops"] = sum(n for s, n in outbox.items() if s not in ("done", "conflict",
                                                                           "rejected"))
        out["conflicting_ops"] = outbox.get("conflict", 0) + outbox.get("rejected", 0)
    except StorageError as exc:
        out["error"] = f"{exc.message} [{exc.code}]"
    except Exception as exc:  # an older schema, a locked file: say so, go on
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        cache_db.close_cache(db)
    return out


def sync_section() -> dict[str, Any]:
    root = paths.data_root() / "profiles"
    profiles = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return {"profiles": [profile_state(p) for p in profiles]}


def log_tails(lines: int = LOG_LINES) -> dict[str, str]:
    """name -> last `lines` lines (scrubbed) of the newest log files."""
    folder = paths.log_dir()
    if not folder.is_dir():
        return {}
    files = sorted((p for p in folder.iterdir() if p.is_file() and ".log" in p.name),
                   key=lambda p: p.stat().st_mtime, reverse=True)[:MAX_LOG_FILES]
    out = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            out[path.name] = f"<unreadable: {exc}>\n"
            continue
        tail = text.splitlines()[-lines:]
        out[path.name] = "".join(scrub_line(line) + "\n" for line in tail)
    return out


README = """GovDesk 支持诊断包 / support bundle
=====================================
versions.json      版本信息 / versions of the client, OS and libraries
config.json        生效配置及来源（已去除密码等机密）/ effective settings and where each came from
selftest.txt       自检结果 / self-test report (.json: the same, machine-readable)
connectivity.json  到平台的 DNS、TCP、TLS 与 /api/v1/meta 检查 / network checks
sync_state.json    各账户同步状态（仅计数，不含公文内容）/ sync state per account (counts only)
logs/              最近的日志 / last log lines (tokens masked)
本诊断包不包含公文、意见、附件、令牌或密钥。
It holds no documents, opinion texts, attachments, tokens or keys.
"""


def default_out_path() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "pc"
    return Path.cwd() / f"govdesk-diagnose-{host}-{stamp}.zip"


def build_bundle(out: Path | None = None, *, network: bool = True,
                 log_lines: int = LOG_LINES) -> Path:
    """Write the support bundle; returns its path. Raises StorageError if it cannot."""
    out = Path(out) if out else default_out_path()
    settings: Settings | None
    error: GovDeskError | None = None
    try:
        settings = load_settings()
    except GovDeskError as exc:
        settings, error = None, exc
    effective = settings or Settings()
    report, _ok = run_self_test(effective, include_network=network)
    members: dict[str, str] = {
        "README.txt": README,
        "versions.json": _json(versions_section()),
        "config.json": _json(config_section(settings, error)),
        "selftest.txt": report.text() + "\n",
        "selftest.json": _json(report.to_dict()),
        "sync_state.json": _json(_safe_section(sync_section)),
    }
    if network:
        members["connectivity.json"] = _json(_safe_section(
            lambda: connectivity_section(effective)))
    for name, text in log_tails(log_lines).items():
        members[f"logs/{name}"] = text
    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in members.items():
                zf.writestr(name, text.encode("utf-8"))
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageError("diagnose.write_failed", path=str(out), reason=exc.strerror or exc,
                           detail=str(exc)) from exc
    return out


def _safe_section(fn: Any) -> dict[str, Any]:
    try:
        return fn()
    except Exception as exc:  # one broken section must not cost the whole bundle
        return {"error": f"{type(exc).__name__}: {exc}"}


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govdesk diagnose",
                                     description="生成支持诊断包 / write a support bundle (zip)")
    parser.add_argument("--out", type=Path, help="zip 文件路径 / output file")
    parser.add_argument("--no-network", action="store_true",
                        help="不检查网络连接 / skip the connectivity checks")
    parser.add_argument("--log-lines", type=int, default=LOG_LINES)
    args = parser.parse_args(argv)
    try:
        path = build_bundle(args.out, network=not args.no_network, log_lines=args.log_lines)
    except GovDeskError as exc:
        print(f"错误 / error: {exc.message}", file=sys.stderr)
        return 1
    print(f"诊断包已生成 / support bundle written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
