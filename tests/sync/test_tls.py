"""HTTPS with a county CA: the platform serves with its certificate, the client trusts the
OS store plus `ca_file`, and refuses (tls.untrusted, nothing written) anything else.

Throwaway CAs and certificates are made here with `cryptography`; the platform is the
real subprocess (`python -m server serve --tls-cert --tls-key`) on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from synckit import PASSWORD, demo_copy, run_cli

from client import models, paths
from client.config import load_settings
from client.errors import NetworkError
from client.session import Profile
from client.sync import apply

NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "富锦市信息中心"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_server_cert(ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
                     names: list[x509.GeneralName], out: Path) -> tuple[Path, Path]:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("政务平台"))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    out.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out / "server.pem", out / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def write_ca(ca: tuple[x509.Certificate, Any], path: Path) -> str:
    path.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
    return str(path)


LOOPBACK = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Any]:
    county, other = make_ca("富锦市政务根证书"), make_ca("冒充的根证书")
    certs = tmp_path / "certs"
    certs.mkdir()
    return {
        "county_ca": write_ca(county, certs / "county-ca.pem"),
        "other_ca": write_ca(other, certs / "other-ca.pem"),
        "good": make_server_cert(county, LOOPBACK, certs / "good"),
        "by_other": make_server_cert(other, LOOPBACK, certs / "by-other"),
        "wrong_host": make_server_cert(county, [x509.DNSName("platform.fujin.gov.cn")],
                                       certs / "wrong-host"),
        "live": certs / "live",
    }


def _use(pki: dict[str, Any], which: str) -> None:
    """Put a certificate in the place the platform reads at start."""
    live: Path = pki["live"]
    live.mkdir(exist_ok=True)
    cert, key = pki[which]
    shutil.copy(cert, live / "server.pem")
    shutil.copy(key, live / "server.key")


@pytest.fixture
def tls_platform(demo_template: tuple[Path, list], tmp_path: Path, pki: dict[str, Any]):
    _use(pki, "good")
    with demo_copy(demo_template, tmp_path,
                   tls=(pki["live"] / "server.pem", pki["live"] / "server.key")) as running:
        yield running


def _refused(base_url: str, ca_file: str | None) -> NetworkError:
    with pytest.raises(NetworkError) as err:
        Profile.login(base_url, "zhangjianguo", PASSWORD,
                      settings=load_settings({"ca_file": ca_file}))
    assert err.value.code == "tls.untrusted"
    assert "证书不受信任" in err.value.message and "ca_file" in err.value.message
    return err.value


def _nothing_written(base_url: str) -> None:
    profile_dir = paths.profile_dir(base_url, "zhangjianguo")
    assert not paths.cache_path(profile_dir).exists()
    assert not paths.blobs_dir(profile_dir).exists()


def test_client_trusts_the_county_ca_and_nothing_else(tls_platform, pki) -> None:
    url = tls_platform.base_url
    assert url.startswith("https://127.0.0.1:")
    # No county CA configured, or another CA's file: refused before anything is stored.
    _refused(url, None)
    _refused(url, pki["other_ca"])
    _nothing_written(url)
    # The command line says it in Chinese and exits with the network code.
    cli = run_cli("login", "--server", url, "--user", "zhangjianguo", "--sync",
                  env={"GOVDESK_PASSWORD": PASSWORD})
    assert cli.returncode == 4, cli.stdout + cli.stderr
    assert "平台的安全证书不受信任" in cli.stderr
    _nothing_written(url)

    # With the county CA: login, a full sync, and the command line too.
    settings = load_settings({"ca_file": pki["county_ca"]})
    profile = Profile.login(url, "zhangjianguo", PASSWORD, settings=settings)
    try:
        report = profile.sync()
        assert report.objects > 0 and models.Document.select().count() > 0
        cursor = apply.current_cursor()
        documents = models.Document.select().count()
    finally:
        profile.close()
    cli = run_cli("sync", env={"GOVDESK_CA_FILE": pki["county_ca"]})
    assert cli.returncode == 0, cli.stderr
    assert "同步完成" in cli.stdout

    # The platform comes back with a certificate of another CA (a machine in the middle):
    # the client refuses and its cache stays exactly as it was.
    tls_platform.stop()
    _use(pki, "by_other")
    tls_platform.start()
    profile = Profile.resume(url, "zhangjianguo", settings=settings)
    try:
        with pytest.raises(NetworkError) as err:
            profile.sync()
        assert err.value.code == "tls.untrusted"
        assert apply.current_cursor() == cursor
        assert models.Document.select().count() == documents
    finally:
        profile.close()
    cli = run_cli("sync", env={"GOVDESK_CA_FILE": pki["county_ca"]})
    assert cli.returncode == 4 and "平台的安全证书不受信任" in cli.stderr


def test_certificate_for_another_host_is_refused(tls_platform, pki) -> None:
    url = tls_platform.base_url
    tls_platform.stop()
    _use(pki, "wrong_host")  # signed by the county CA, but for platform.fujin.gov.cn
    tls_platform.start()
    with pytest.raises(NetworkError) as err:
        Profile.login(url, "zhangjianguo", PASSWORD,
                      settings=load_settings({"ca_file": pki["county_ca"]}))
    # Not "set ca_file": the CA is right, the name is not.
    assert err.value.code == "tls.wrong_host"
    assert "另一个名称" in err.value.message and "ca_file" not in err.value.message
    assert "mismatch" in (err.value.detail or "").lower()
    _nothing_written(url)
    cli = run_cli("login", "--server", url, "--user", "zhangjianguo", "--ca-file",
                  pki["county_ca"], env={"GOVDESK_PASSWORD": PASSWORD})
    assert cli.returncode == 4 and "另一个名称" in cli.stderr, cli.stderr


def test_platform_refuses_a_key_that_does_not_fit(tmp_path: Path, pki) -> None:
    """`serve --tls-cert` without its key, or with another key, is a usage error, not a
    traceback from deep inside uvicorn."""
    import subprocess
    import sys

    from server.embedded import REPO_ROOT

    cert, _ = pki["good"]
    _, other_key = pki["by_other"]
    db = str(tmp_path / "p.db")
    for extra in (["--tls-cert", str(cert)], ["--tls-cert", str(cert), "--tls-key", str(other_key)]):
        proc = subprocess.run([sys.executable, "-m", "server", "serve", "--db", db,
                               "--port", "1", *extra], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_login_ca_file_is_remembered_for_later_syncs(tls_platform, pki) -> None:
    url = tls_platform.base_url
    cli = run_cli("login", "--server", url, "--user", "zhangjianguo", "--ca-file",
                  pki["county_ca"], env={"GOVDESK_PASSWORD": PASSWORD})
    assert cli.returncode == 0, cli.stderr
    # No --ca-file, no GOVDESK_CA_FILE: the one given at sign-in is used.
    cli = run_cli("sync")
    assert cli.returncode == 0, cli.stderr
    assert "同步完成" in cli.stdout
    # A ca_file configured later still wins over the remembered one.
    cli = run_cli("sync", env={"GOVDESK_CA_FILE": pki["other_ca"]})
    assert cli.returncode == 4 and "平台的安全证书不受信任" in cli.stderr
