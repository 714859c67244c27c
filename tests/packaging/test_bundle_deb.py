"""The real thing: PyInstaller bundle -> .deb -> dpkg install, self-test from the installed
path, upgrade that keeps users' caches and the edited machine config, removal.

The bundle is built once per session (about 40 s on 2 cores); the install part needs root
(dpkg writes /opt, /usr and /etc) and is skipped locally without it, failed in CI.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from client import db as cache_db
from client import models, paths
from server.embedded import EmbeddedPlatform
from tests.support.services import require_service

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
APPID = "cn.gov.govdesk"
INSTALLED = Path("/opt/apps") / APPID / "files"
MACHINE_CONFIG = Path("/etc/govdesk/govdesk.toml")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


@pytest.fixture(scope="session")
def frozen_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        require_service("PyInstaller: .venv/bin/pip install -e '.[package]'")
    work = tmp_path_factory.mktemp("pyinstaller")
    proc = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm", "--log-level=WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bundle = work / "dist" / "govdesk"
    assert (bundle / "govdesk").is_file() and (bundle / "govdesk-cli").is_file()
    return bundle


def _bundle_files(bundle: Path) -> list[str]:
    return [p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()]


def test_bundle_holds_what_the_client_ships_and_not_the_rest(frozen_bundle: Path) -> None:
    files = _bundle_files(frozen_bundle)
    res = "_internal/resources/"
    assert f"{res}styles/govdesk.qss" in files and f"{res}icons/govdesk.svg" in files
    shipped_qm = {p.name for p in (ROOT / "resources" / "translations").glob("*.qm")}
    assert {Path(f).name for f in files if f.startswith(f"{res}translations/")} == shipped_qm
    unwanted = re.compile(r"QtWebEngine|Qt6Qml|Qt6Quick|VirtualKeyboard|virtualkeyboard|"
                          r"wayland|eglfs|libgtk-3|qmltooling|/qml/|opengl32sw")
    assert [f for f in files if unwanted.search(f)] == []
    qt_tr = [Path(f).name for f in files if "/Qt/translations/" in f]
    assert qt_tr and all(n.endswith(("_zh_CN.qm", "_en.qm")) for n in qt_tr), qt_tr
    # The reference platform and dev tools stay out of the Python archive.
    toc = next((frozen_bundle.parents[1] / "build").rglob("PYZ-*.toc")).read_text("utf-8")
    assert re.search(r"'(server|fastapi|uvicorn|pytest)(\.|')", toc) is None
    assert "'client.selftest'" in toc and "'client.diagnose'" in toc


def test_every_library_in_the_bundle_finds_its_dependencies(frozen_bundle: Path) -> None:
    # What the Qt filter removed must not be needed by what it kept (QtPdf needs
    # Qt6Network, for instance). ldd resolves system libraries as the target would.
    internal = frozen_bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}")
    missing = []
    for lib in internal.rglob("*.so*"):
        if not lib.is_file():
            continue
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env).stdout
        missing += [f"{lib.relative_to(internal)}: {ln.strip()}"
                    for ln in out.splitlines() if "not found" in ln]
    assert missing == []


def test_frozen_cli_reports_the_package_version(frozen_bundle: Path, tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    env["GOVDESK_MACHINE_CONFIG"] = str(tmp_path / "none.toml")
    env["GOVDESK_POLICY_FILE"] = str(tmp_path / "none-policy.toml")
    proc = subprocess.run([str(frozen_bundle / "govdesk-cli"), "--self-test", "--json"],
                          capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)
    report = json.loads(proc.stdout)
    assert report["version"] == VERSION
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["qt"]["status"] in ("ok", "warn"), checks["qt"]
    assert checks["qt"]["details"]["svg_icon"] is True  # icon plugins survived the filter
    assert checks["cache"]["status"] == "ok", checks["cache"]


# --- install, upgrade, remove (root) ---------------------------------------------------


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment a person's session would have: real /etc config, own HOME."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOVDESK_MACHINE_CONFIG", "GOVDESK_POLICY_FILE", "GOVDESK_USER_CONFIG",
                        "PYTHONPATH", "QT_QPA_PLATFORM")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.setdefault("XDG_RUNTIME_DIR", str(tmp_path))
    return env


def _with_keyring(cmd: list[str]) -> list[str]:
    """Run `cmd` where a Secret Service answers: CI's session, or a private one here."""
    if os.environ.get("GNOME_KEYRING_CONTROL") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return cmd
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        require_service("Secret Service keyring (gnome-keyring, dbus)")
    script = ('eval "$(printf govdesk | gnome-keyring-daemon --unlock --components=secrets)" '
              '>/dev/null; export GNOME_KEYRING_CONTROL; exec "$@"')
    return ["dbus-run-session", "--", "sh", "-c", script, "sh", *cmd]


def _self_test(exe: Path, tmp_path: Path) -> dict:
    proc = subprocess.run(_with_keyring([str(exe), "--self-test", "--json"]),
                          capture_output=True, text=True, timeout=180, env=_clean_env(tmp_path),
                          stdin=subprocess.DEVNULL)
    assert proc.stdout.strip(), proc.stderr
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert proc.returncode == 0 and report["ok"], failed
    return report


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=300,
                          env=env, stdin=subprocess.DEVNULL)


def _installed_version() -> str | None:
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", APPID],
                          capture_output=True, text=True)
    fields = proc.stdout.split()
    return fields[-1] if proc.returncode == 0 and "installed" in fields[:3] else None


def _build_deb(bundle: Path, out: Path, version: str) -> Path:
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "build-deb.sh"), version,
                           "--bundle", str(bundle), "--out", str(out), "--compression", "gzip"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def dpkg_sandbox() -> Iterator[None]:
    """Root and dpkg, no foreign /etc/govdesk; purges the package whatever happens."""
    if os.geteuid() != 0:
        require_service("root for dpkg")
    if not shutil.which("dpkg"):
        require_service("dpkg (a Debian-based system)")
    _dpkg("--purge", APPID)  # a leftover of an interrupted run
    if MACHINE_CONFIG.exists():
        pytest.fail(f"{MACHINE_CONFIG} exists and is not ours: refusing to touch it")
    try:
        yield
    finally:
        _dpkg("--purge", APPID)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_install_self_test_upgrade_keeps_data_and_config_then_remove(
        frozen_bundle: Path, dpkg_sandbox: None, platform_session: EmbeddedPlatform,
        tmp_path: Path) -> None:
    old_deb = _build_deb(frozen_bundle, tmp_path / "v1", VERSION)
    new_version = f"{VERSION}+upgrade1"
    new_deb = _build_deb(frozen_bundle, tmp_path / "v2", new_version)

    proc = _dpkg("-i", str(old_deb))
    assert proc.returncode == 0, proc.stderr
    assert _installed_version() == VERSION
    assert json.loads((INSTALLED.parent / "info").read_text("utf-8"))["version"] == VERSION

    # The installed executables run from /opt and through /usr/bin's symlink.
    report = _self_test(INSTALLED / "govdesk-cli", tmp_path)
    assert report["version"] == VERSION
    assert {c["name"]: c for c in report["checks"]}["platform"]["status"] == "skip"
    _self_test(Path("/usr/bin/govdesk"), tmp_path)
    # And `govdesk-cli` is on PATH, as docs/deploy.md says.
    assert _self_test(Path("/usr/bin/govdesk-cli"), tmp_path)["version"] == VERSION

    # County IT points the machine config at the platform; the client reads /etc.
    edited = MACHINE_CONFIG.read_text("utf-8") + (
        f'\n# 富锦市信息中心 2005-10-19\nserver_url = "{platform_session.base_url}"\n')
    MACHINE_CONFIG.write_text(edited, "utf-8")
    checks = {c["name"]: c for c in _self_test(INSTALLED / "govdesk-cli", tmp_path)["checks"]}
    assert checks["platform"]["status"] == "ok"
    assert checks["config"]["details"]["server_url_source"] == f"machine:{MACHINE_CONFIG}"

    # A user's offline data: an encrypted cache with unsent work, and an attachment.
    profile = paths.profile_dir(platform_session.base_url, "sunhaitao")
    key = os.urandom(cache_db.KEY_BYTES)
    db = cache_db.open_cache(paths.cache_path(profile), key)
    models.OutboxOp.create(op_id="op-offline-1", type="signoff", data={"text": "已阅"})
    cache_db.close_cache(db)
    blob = paths.blobs_dir(profile) / "ab" / "abcdef"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"%PDF-1.4 offline attachment")
    before = {p: _sha256(p) for p in (paths.cache_path(profile), blob)}

    proc = _dpkg("-i", str(new_deb))
    assert proc.returncode == 0, proc.stderr
    assert _installed_version() == new_version
    assert json.loads((INSTALLED.parent / "info").read_text("utf-8"))["version"] == new_version
    assert MACHINE_CONFIG.read_text("utf-8") == edited  # conffile: local edits kept
    assert {p: _sha256(p) for p in before} == before
    db = cache_db.open_cache(paths.cache_path(profile), key)
    assert [op.op_id for op in models.OutboxOp.select()] == ["op-offline-1"]
    cache_db.close_cache(db)
    _self_test(INSTALLED / "govdesk-cli", tmp_path)

    proc = _dpkg("-r", APPID)
    assert proc.returncode == 0, proc.stderr
    assert not INSTALLED.exists() and not Path("/usr/bin/govdesk").is_symlink()
    assert not Path("/usr/bin/govdesk-cli").is_symlink()
    assert not Path(f"/usr/share/applications/{APPID}.desktop").exists()
    # Removal (not purge) keeps the county's config; nobody's data is touched.
    assert MACHINE_CONFIG.read_text("utf-8") == edited
    assert {p: _sha256(p) for p in before} == before
