"""packaging/linux/build-deb.sh on a small hand-made bundle: the UOS layout, the control
file, conffiles and the county presets, read back with dpkg-deb (fast; the real bundle
is installed in test_bundle_deb.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.services import require_service

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "linux" / "build-deb.sh"
APPID = "cn.gov.govdesk"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    if not shutil.which("dpkg-deb"):
        require_service("dpkg-deb (Debian's dpkg)")
    root = tmp_path / "bundle"
    (root / "_internal").mkdir(parents=True)
    for exe in ("govdesk", "govdesk-cli"):
        (root / exe).write_text("#!/bin/sh\necho govdesk\n")
        (root / exe).chmod(0o755)
    (root / "_internal" / "libdemo.so").write_bytes(b"\x7fELF....GLIBC_2.17\x00GLIBC_2.34\x00")
    return root


def _build(bundle: Path, out: Path, *extra: str, version: str = "1.2.3") -> Path:
    proc = subprocess.run(["bash", str(SCRIPT), version, "--bundle", str(bundle),
                           "--out", str(out), "--compression", "gzip", *extra],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    deb = Path(proc.stdout.strip().splitlines()[-1])
    assert deb.is_file()
    return deb


def _extract(deb: Path, dest: Path) -> Path:
    subprocess.run(["dpkg-deb", "-R", str(deb), str(dest)], check=True)
    return dest


def test_layout_control_and_conffiles(bundle: Path, tmp_path: Path) -> None:
    deb = _build(bundle, tmp_path / "out")
    assert deb.name.startswith(f"{APPID}_1.2.3_")
    x = _extract(deb, tmp_path / "x")
    app = x / "opt" / "apps" / APPID
    assert (app / "files" / "govdesk").stat().st_mode & 0o111
    assert (app / "files" / "govdesk-cli").stat().st_mode & 0o111
    uos_desktop = (app / "entries" / "applications" / f"{APPID}.desktop").read_text("utf-8")
    assert f"Exec=/opt/apps/{APPID}/files/govdesk" in uos_desktop
    assert f"Icon={APPID}\n" in uos_desktop and "Name[zh_CN]=政务桌面" in uos_desktop
    assert (app / "entries" / "icons" / "hicolor" / "scalable" / "apps" / f"{APPID}.svg"
            ).read_text("utf-8").lstrip().startswith("<")
    # Outside UOS the icon is named by path; same desktop-file id, so no duplicate entry.
    shared = (x / "usr" / "share" / "applications" / f"{APPID}.desktop").read_text("utf-8")
    assert f"Icon=/opt/apps/{APPID}/entries/icons/hicolor/scalable/apps/{APPID}.svg" in shared
    assert (x / "usr" / "bin" / "govdesk").readlink() == Path(f"/opt/apps/{APPID}/files/govdesk")
    # docs/deploy.md's `govdesk-cli --self-test` / `govdesk-cli diagnose` work on PATH.
    assert (x / "usr" / "bin" / "govdesk-cli").readlink() == Path(
        f"/opt/apps/{APPID}/files/govdesk-cli")
    assert sorted(p.name for p in (x / "usr" / "bin").iterdir()) == ["govdesk", "govdesk-cli"]

    info = json.loads((app / "info").read_text("utf-8"))
    assert info["appid"] == APPID and info["version"] == "1.2.3"
    assert info["arch"] == [subprocess.check_output(["dpkg", "--print-architecture"],
                                                    text=True).strip()]
    assert info["permissions"]["autostart"] is False and "camera" in info["permissions"]

    control = (x / "DEBIAN" / "control").read_text("utf-8")
    fields = dict(line.split(": ", 1) for line in control.splitlines()
                  if ": " in line and not line.startswith(" "))
    assert fields["Package"] == APPID and fields["Version"] == "1.2.3"
    assert "libc6 (>= 2.34)" in fields["Depends"]  # newest GLIBC_ symbol in the bundle
    assert "libxcb-cursor0" in fields["Depends"]
    assert "政务桌面" in fields["Description"]
    assert (x / "DEBIAN" / "conffiles").read_text().split() == ["/etc/govdesk/govdesk.toml"]
    # No maintainer scripts: installing never touches anyone's home or cache.
    assert not [p.name for p in (x / "DEBIAN").iterdir()
                if p.name in ("preinst", "postinst", "prerm", "postrm")]
    assert {p.relative_to(x).parts[0] for p in x.iterdir()} == {"DEBIAN", "etc", "opt", "usr"}
    sample = (ROOT / "packaging" / "config-samples" / "govdesk.toml").read_text("utf-8")
    assert (x / "etc" / "govdesk" / "govdesk.toml").read_text("utf-8") == sample


def test_county_presets_become_conffiles(bundle: Path, tmp_path: Path) -> None:
    ca = tmp_path / "county-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    policy = ROOT / "packaging" / "config-samples" / "policy.toml"
    deb = _build(bundle, tmp_path / "out", "--server", "https://oa.fujin.example.gov.cn",
                 "--ca-file", str(ca), "--policy", str(policy))
    x = _extract(deb, tmp_path / "x")
    conf = (x / "etc" / "govdesk" / "govdesk.toml").read_text("utf-8")
    assert 'server_url = "https://oa.fujin.example.gov.cn"\n' in conf
    assert 'ca_file = "/etc/govdesk/county-ca.pem"\n' in conf
    assert (x / "etc" / "govdesk" / "county-ca.pem").read_bytes() == ca.read_bytes()
    assert (x / "DEBIAN" / "conffiles").read_text().split() == [
        "/etc/govdesk/govdesk.toml", "/etc/govdesk/county-ca.pem", "/etc/govdesk/policy.toml"]


@pytest.mark.parametrize(("args", "message"), [
    (["1.0", "--server", "ftp://x"], "--server must be an http(s) URL"),
    (["1.0", "--server", 'https://x" injected'], "--server must be an http(s) URL"),
    (["not a version"], "invalid Debian version"),
    (["1.0", "--ca-file", "/nonexistent/ca.pem"], "no such CA file"),
])
def test_bad_arguments_are_refused_clearly(bundle: Path, tmp_path: Path,
                                          args: list[str], message: str) -> None:
    proc = subprocess.run(["bash", str(SCRIPT), *args, "--bundle", str(bundle),
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and message in proc.stderr
    assert not (tmp_path / "out").exists()


def test_missing_bundle_says_how_to_build_it(tmp_path: Path) -> None:
    if not shutil.which("dpkg-deb"):
        require_service("dpkg-deb (Debian's dpkg)")
    proc = subprocess.run(["bash", str(SCRIPT), "1.0", "--bundle", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "pyinstaller build.spec" in proc.stderr
