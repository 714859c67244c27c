"""`govdesk --self-test` from source: every check against real parts (a platform
subprocess on loopback, a real SQLCipher file, a Qt child process)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from keyring.backends import fail

from client import selftest
from client.config import load_settings
from server.embedded import EmbeddedPlatform, free_port
from tests.packaging.conftest import MemoryKeyring


def _by_name(report: selftest.SelfTestReport) -> dict[str, selftest.Check]:
    return {c.name: c for c in report.checks}


def _ca_pem(path: Path, *, days: int) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "富锦市电子政务根证书")])
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=400) if days < 0 else now - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_all_checks_pass_against_a_running_platform(
        platform_session: EmbeddedPlatform, memory_keyring: MemoryKeyring,
        config_files: dict[str, Path]) -> None:
    config_files["machine"].write_text(f'server_url = "{platform_session.base_url}"\n')
    report, ok = selftest.run_self_test(load_settings(env={}))
    checks = _by_name(report)
    assert ok, report.text()
    assert [c.name for c in report.checks] == ["config", "data", "qt", "cache", "keyring",
                                               "trust", "platform"]
    assert checks["config"].details["server_url_source"].startswith("machine:")
    assert checks["qt"].details["platform"] == "offscreen"
    assert checks["cache"].details["sqlcipher"] and checks["cache"].details["tables"] > 5
    assert checks["platform"].status == selftest.OK
    assert checks["platform"].details["protocol"] == 1
    assert memory_keyring.writes == 0  # the keyring is read, never written
    assert "结果 / result: 通过 / passed" in report.text()
    json.dumps(report.to_dict(), ensure_ascii=False)  # the --json form serialises


def test_unreachable_platform_fails_with_a_clear_reason(
        memory_keyring: MemoryKeyring, config_files: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    config_files["machine"].write_text(f'server_url = "http://127.0.0.1:{free_port()}"\n')
    assert selftest.main([]) == 1
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "] platform " in ln)
    assert line.startswith("[FAIL]") and "network." in line
    assert "未通过 / FAILED" in out


def test_no_keyring_backend_fails(config_files: dict[str, Path]) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        report, ok = selftest.run_self_test(load_settings(env={}), include_qt=False)
    finally:
        keyring.set_keyring(previous)
    check = _by_name(report)["keyring"]
    assert not ok and check.status == selftest.FAIL and "密钥环" in check.summary
    assert _by_name(report)["platform"].status == selftest.SKIP  # no server configured


@pytest.mark.parametrize(("content", "expected", "words"), [
    (None, selftest.FAIL, "不存在"),
    (b"not a certificate", selftest.FAIL, "格式错误"),
    ("expired", selftest.FAIL, "已过期"),
    ("soon", selftest.WARN, "days left"),
    ("valid", selftest.OK, "days left"),
])
def test_county_ca_file_is_checked(tmp_path: Path, memory_keyring: MemoryKeyring,
                                   config_files: dict[str, Path], content: object,
                                   expected: str, words: str) -> None:
    ca = tmp_path / "county-ca.pem"
    if isinstance(content, bytes):
        ca.write_bytes(content)
    elif content is not None:
        _ca_pem(ca, days={"expired": -1, "soon": 10, "valid": 3650}[str(content)])
    config_files["machine"].write_text(f'ca_file = "{ca}"\n')
    report, ok = selftest.run_self_test(load_settings(env={}), include_qt=False)
    check = _by_name(report)["trust"]
    assert check.status == expected and words in check.summary, check.summary
    assert ok is (expected != selftest.FAIL)
    if content in ("valid", "soon"):
        assert "富锦市电子政务根证书" in check.details["certificates"][0]["subject"]


def test_broken_machine_config_is_reported_and_the_rest_still_runs(
        memory_keyring: MemoryKeyring, config_files: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    config_files["machine"].write_text('server_url = "unterminated\n')
    assert selftest.main(["--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["config"]["status"] == "fail" and "config.malformed" in checks["config"][
        "summary"]
    assert checks["cache"]["status"] == "ok"  # one failure does not hide the others


def test_qt_that_cannot_start_is_a_failed_check_not_a_crash(
        monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring,
        config_files: dict[str, Path], tmp_path: Path) -> None:
    # A PySide6 whose Qt libraries are gone, as on a PC where a bundle was half copied:
    # the child process dies, the check reports why.
    broken = tmp_path / "broken" / "PySide6"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        'raise ImportError("libQt6Gui.so.6: cannot open shared object file")\n')
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))
    check = selftest.check_qt()
    assert check.status == selftest.FAIL and "Qt 无法启动" in check.summary
    assert "libQt6Gui.so.6" in check.summary


def test_data_folder_that_cannot_be_written_fails(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("GOVDESK_HOME", str(blocker / "govdesk"))
    check = selftest._guard("data", selftest.check_data_dir)
    assert check.status == selftest.FAIL
