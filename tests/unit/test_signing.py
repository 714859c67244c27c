"""Signing keys and signatures: published vectors, OpenSSL interop, tampering, bad input."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmssl.sm2 import CryptSM2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol import signing
from protocol.canonical import document_digest, signoff_message
from protocol.signing import (
    ALGORITHMS,
    SM2_N,
    KeyPair,
    Signer,
    SigningError,
    generate_keypair,
    is_valid_public_key,
    key_id_from_public,
    public_key_from_private,
    sign,
    verify,
    verify_signature_object,
)
from tests.support.services import require_service


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def unb64(value: str) -> bytes:
    return base64.b64decode(value)


def signoff(**changes: object) -> bytes:
    fields: dict = {
        "task_id": "task-7",
        "document_id": "doc-3",
        "document_digest": "ab" * 32,
        "decision": "approve",
        "text": "同意。请财政局按程序办理。",
        "handwriting_sha256": None,
        "forward_to": [],
        "signer_id": "zhangjianguo",
        "signed_at": "2005-10-19T09:30:00+08:00",
    }
    fields.update(changes)
    return signoff_message(**fields)


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {alg: generate_keypair(alg) for alg in ALGORITHMS}


# --- published vectors --------------------------------------------------------------

# RFC 8032 section 7.1, TEST 1 (empty message).
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_ed25519_rfc8032_vector_1() -> None:
    assert public_key_from_private("ed25519", RFC8032_SECRET) == b64(RFC8032_PUBLIC)
    assert sign("ed25519", RFC8032_SECRET, b"") == b64(RFC8032_SIGNATURE)
    assert verify("ed25519", b64(RFC8032_PUBLIC), b"", b64(RFC8032_SIGNATURE))
    assert not verify("ed25519", b64(RFC8032_PUBLIC), b"\x00", b64(RFC8032_SIGNATURE))


# GB/T 32918.5-2016 (= GM/T 0003.5-2012) Annex A: the recommended curve, default user id,
# message "message digest".
GBT_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
GBT_PUBLIC = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
GBT_Z = bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
GBT_E = bytes.fromhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
GBT_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
GBT_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
GBT_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
GBT_MESSAGE = b"message digest"


def test_sm3_standard_vector() -> None:
    # GB/T 32905 example 1.
    assert signing.sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_sm2_gbt32918_annex_a_vector() -> None:
    assert unb64(public_key_from_private("sm2-sm3", GBT_D)) == GBT_PUBLIC
    assert signing.sm2_z(GBT_PUBLIC) == GBT_Z
    assert signing.sm2_e(GBT_PUBLIC, GBT_MESSAGE) == GBT_E
    # Signing with the standard's nonce reproduces its (r, s).
    assert signing._sm2_sign_e(GBT_D, GBT_E, GBT_K) == (GBT_R, GBT_S)
    published = b64(encode_dss_signature(GBT_R, GBT_S))
    assert verify("sm2-sm3", b64(GBT_PUBLIC), GBT_MESSAGE, published)
    assert not verify("sm2-sm3", b64(GBT_PUBLIC), b"message digesT", published)
    assert not verify("sm2-sm3", b64(GBT_PUBLIC), GBT_MESSAGE,
                      b64(encode_dss_signature(GBT_R, GBT_S - 1)))


# A key whose x coordinate begins with byte 0x04: gmssl's constructor would strip it with
# lstrip("04"); the module must not pass public keys through that constructor.
KEY_X_STARTS_04 = bytes.fromhex("2489bd98ded127886fd34e4fd9d995a6bad41046d38d67e49df2a5fcc0ff1b77")


def test_sm2_public_key_starting_with_04_round_trips() -> None:
    public = unb64(public_key_from_private("sm2-sm3", KEY_X_STARTS_04))
    assert public[:2] == b"\x04\x04"
    value = sign("sm2-sm3", KEY_X_STARTS_04, b"payload")
    assert verify("sm2-sm3", b64(public), b"payload", value)
    # Demonstrates the trap: gmssl's own constructor mangles this key.
    assert CryptSM2(private_key="", public_key=public.hex()).public_key != public[1:].hex()


# --- OpenSSL interop (independent implementation) ----------------------------------

SM2_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
DISTID = "distid:1234567812345678"


@pytest.fixture(scope="module")
def openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        require_service("openssl command-line tool (SM2 interop check)")
    probe = subprocess.run([path, "list", "-signature-algorithms"], capture_output=True,
                           text=True, check=False)
    if "SM2" not in probe.stdout:
        require_service("openssl with SM2 support")
    return path


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, check=False, timeout=30)


def write_public_pem(path: Path, public_raw: bytes) -> Path:
    der = SM2_SPKI_PREFIX + public_raw
    lines = [b64(der)[i:i + 64] for i in range(0, len(b64(der)), 64)]
    path.write_text("-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines)
                    + "\n-----END PUBLIC KEY-----\n")
    return path


def write_private_der(path: Path, private: bytes) -> Path:
    # SEC1 ECPrivateKey without the optional public key; OpenSSL derives it.
    der = (bytes.fromhex("30310201010420") + private
           + bytes.fromhex("a00a06082a811ccf5501822d"))
    path.write_bytes(der)
    return path


def test_openssl_verifies_our_sm2_signatures(openssl: str, tmp_path: Path) -> None:
    for private in (GBT_D, KEY_X_STARTS_04, generate_keypair("sm2-sm3").private_bytes):
        public = unb64(public_key_from_private("sm2-sm3", private))
        pem = write_public_pem(tmp_path / "pub.pem", public)
        message = tmp_path / "msg"
        message.write_bytes(signoff())
        sig = tmp_path / "sig"
        sig.write_bytes(unb64(sign("sm2-sm3", private, signoff())))
        ok = run([openssl, "dgst", "-sm3", "-verify", str(pem), "-sigopt", DISTID,
                  "-signature", str(sig), str(message)])
        assert ok.returncode == 0, ok.stdout + ok.stderr
        # Not vacuous: OpenSSL refuses the same signature over another message.
        message.write_bytes(signoff(decision="return"))
        bad = run([openssl, "dgst", "-sm3", "-verify", str(pem), "-sigopt", DISTID,
                   "-signature", str(sig), str(message)])
        assert bad.returncode != 0


def test_openssl_derives_the_same_public_key(openssl: str, tmp_path: Path) -> None:
    private = generate_keypair("sm2-sm3").private_bytes
    der = write_private_der(tmp_path / "key.der", private)
    out = run([openssl, "pkey", "-inform", "DER", "-in", str(der), "-pubout",
               "-outform", "DER"])
    assert out.returncode == 0, out.stderr
    assert out.stdout == SM2_SPKI_PREFIX + unb64(public_key_from_private("sm2-sm3", private))


def test_we_verify_openssl_sm2_signatures(openssl: str, tmp_path: Path) -> None:
    keypair = generate_keypair("sm2-sm3")
    der = write_private_der(tmp_path / "key.der", keypair.private_bytes)
    pem = tmp_path / "key.pem"
    assert run([openssl, "pkey", "-inform", "DER", "-in", str(der), "-out", str(pem)]
               ).returncode == 0
    message = signoff(text="已阅。")
    (tmp_path / "msg").write_bytes(message)
    out = run([openssl, "dgst", "-sm3", "-sign", str(pem), "-sigopt", DISTID, "-out",
               str(tmp_path / "sig"), str(tmp_path / "msg")])
    assert out.returncode == 0, out.stderr
    value = b64((tmp_path / "sig").read_bytes())
    assert verify("sm2-sm3", keypair.public_b64, message, value)
    assert not verify("sm2-sm3", keypair.public_b64, signoff(text="已阅"), value)


# --- keys, sign and verify ---------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_generate_keypair(algorithm: str, keys: dict[str, KeyPair]) -> None:
    kp = keys[algorithm]
    public_raw = unb64(kp.public_b64)
    assert kp.algorithm == algorithm
    assert len(kp.private_bytes) == 32
    assert len(public_raw) == {"ed25519": 32, "sm2-sm3": 65}[algorithm]
    assert kp.key_id == hashlib.sha256(public_raw).hexdigest()[:16]
    assert key_id_from_public(kp.public_b64) == kp.key_id
    assert public_key_from_private(algorithm, kp.private_bytes) == kp.public_b64
    assert is_valid_public_key(algorithm, kp.public_b64)
    assert kp.private_bytes.hex() not in repr(kp)
    assert generate_keypair(algorithm).private_bytes != kp.private_bytes


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sign_verify_and_tampering(algorithm: str, keys: dict[str, KeyPair]) -> None:
    kp = keys[algorithm]
    message = signoff()
    value = sign(algorithm, kp.private_bytes, message)
    assert verify(algorithm, kp.public_b64, message, value)
    assert verify(algorithm, kp.public_b64, bytearray(message), value)
    # Every signed element matters.
    assert not verify(algorithm, kp.public_b64, signoff(decision="return"), value)
    assert not verify(algorithm, kp.public_b64, signoff(document_digest="cd" * 32), value)
    assert not verify(algorithm, kp.public_b64, signoff(text="不同意。"), value)
    assert not verify(algorithm, kp.public_b64, signoff(forward_to=["chenming"]), value)
    assert not verify(algorithm, kp.public_b64, message + b" ", value)
    # Another key, or the other algorithm, does not verify.
    other = generate_keypair(algorithm)
    assert not verify(algorithm, other.public_b64, message, value)
    wrong_alg = next(a for a in ALGORITHMS if a != algorithm)
    assert not verify(wrong_alg, kp.public_b64, message, value)
    # Any flipped bit in the signature breaks it.
    raw = unb64(value)
    for i in range(0, len(raw), 7):
        flipped = bytearray(raw)
        flipped[i] ^= 0x01
        assert not verify(algorithm, kp.public_b64, message, b64(bytes(flipped)))


def test_sign_verify_a_real_document_signoff(keys: dict[str, KeyPair]) -> None:
    doc = {
        "doc_number": "富政发〔2005〕12号", "issuer": "富锦市人民政府", "doc_type": "通知",
        "title": "关于推进电子政务建设的通知", "classification": "none", "urgency": "normal",
        "signatory": "张建国", "main_recipients": ["各乡镇人民政府"], "cc": [],
        "issued_on": "2005-10-19", "notes": None, "body": {"sha256": "00" * 32},
        "attachments": [],
    }
    message = signoff(document_digest=document_digest(doc))
    for alg, kp in keys.items():
        signer = Signer.from_keypair(kp, "zhangjianguo")
        signature = signer.sign(message)
        assert verify_signature_object(signature, kp.public_b64, message)
        doc["title"] += "（修订）"
        assert not verify_signature_object(
            signature, kp.public_b64, signoff(document_digest=document_digest(doc))), alg


def test_sm2_signatures_are_randomised(keys: dict[str, KeyPair]) -> None:
    kp = keys["sm2-sm3"]
    values = {sign("sm2-sm3", kp.private_bytes, b"m") for _ in range(3)}
    assert len(values) == 3


# --- Signer and signature objects --------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_signer_produces_protocol_signature_object(algorithm: str,
                                                   keys: dict[str, KeyPair]) -> None:
    kp = keys[algorithm]
    signer = Signer(kp.key_id, algorithm, kp.private_bytes, "liuyang")
    obj = signer.sign(b"msg")
    assert set(obj) == {"key_id", "algorithm", "value"}
    assert obj["key_id"] == kp.key_id and obj["algorithm"] == algorithm
    assert verify_signature_object(obj, kp.public_b64, b"msg")
    assert not verify_signature_object(obj, kp.public_b64, b"msg2")
    assert kp.private_bytes.hex() not in repr(signer)
    # The algorithm must match the key's; a swapped label fails.
    wrong_alg = next(a for a in ALGORITHMS if a != algorithm)
    assert not verify_signature_object({**obj, "algorithm": wrong_alg}, kp.public_b64, b"msg")
    # The key_id must be that of the public key it is checked against.
    assert not verify_signature_object({**obj, "key_id": "0" * 16}, kp.public_b64, b"msg")
    other = generate_keypair(algorithm)
    assert not verify_signature_object(obj, other.public_b64, b"msg")


@pytest.mark.parametrize(
    "obj",
    [None, "sig", [], {}, {"key_id": None, "algorithm": "ed25519", "value": "x"},
     {"algorithm": "ed25519", "value": "AAAA"}, {"key_id": 5, "algorithm": 5, "value": 5}],
)
def test_verify_signature_object_refuses_malformed_objects(obj: object,
                                                           keys: dict[str, KeyPair]) -> None:
    assert verify_signature_object(obj, keys["ed25519"].public_b64, b"msg") is False


def test_signer_refuses_a_key_id_of_another_key(keys: dict[str, KeyPair]) -> None:
    kp = keys["ed25519"]
    with pytest.raises(SigningError):
        Signer("0123456789abcdef", "ed25519", kp.private_bytes, "u")
    with pytest.raises(SigningError):
        Signer(kp.key_id, "rsa", kp.private_bytes, "u")


# --- misuse on the signing side: clear errors ---------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "private"),
    [
        ("rsa", b"\x01" * 32),
        ("ed25519", b"\x01" * 31),
        ("ed25519", "01" * 32),
        ("sm2-sm3", b"\x00" * 32),  # d = 0
        ("sm2-sm3", (SM2_N - 1).to_bytes(32, "big")),  # d = n-1 has no (1+d)^-1
        ("sm2-sm3", b"\xff" * 32),  # d >= n
        ("sm2-sm3", b"\x01" * 33),
        ("sm2-sm3", 32),  # bytes(32) would silently be zeros
    ],
)
def test_sign_refuses_unusable_keys(algorithm: str, private: object) -> None:
    with pytest.raises(SigningError):
        sign(algorithm, private, b"m")  # type: ignore[arg-type]
    with pytest.raises(SigningError):
        public_key_from_private(algorithm, private)  # type: ignore[arg-type]


def test_sign_refuses_text_messages(keys: dict[str, KeyPair]) -> None:
    with pytest.raises(TypeError):
        sign("ed25519", keys["ed25519"].private_bytes, "同意")  # type: ignore[arg-type]


# --- malformed input on the verifying side: always False, never an exception --------


def _sm2_infinity_signature(private: bytes) -> bytes:
    """(r, s) that drives verification through the point at infinity: sG + tP = O."""
    d = int.from_bytes(private, "big")
    s = 12345
    t = (-s * pow(d, -1, SM2_N)) % SM2_N
    r = (t - s) % SM2_N
    return encode_dss_signature(r, s)


def test_sm2_verify_survives_point_at_infinity() -> None:
    value = b64(_sm2_infinity_signature(GBT_D))
    assert verify("sm2-sm3", b64(GBT_PUBLIC), GBT_MESSAGE, value) is False


def test_sm2_verify_refuses_out_of_range_and_non_der(keys: dict[str, KeyPair]) -> None:
    kp = keys["sm2-sm3"]
    message = b"m"
    good = unb64(sign("sm2-sm3", kp.private_bytes, message))
    r, s = decode_dss_signature(good)
    candidates = [
        encode_dss_signature(0, s),
        encode_dss_signature(r, 0),
        encode_dss_signature(r + SM2_N, s),
        encode_dss_signature(r, s + SM2_N),
        encode_dss_signature(r, SM2_N - r),  # r + s = n
        good + b"\x00",  # trailing garbage
        good[:-1],
        r.to_bytes(32, "big") + s.to_bytes(32, "big"),  # raw r||s instead of DER
        b"\x30\x80" + good[2:] + b"\x00\x00",  # BER indefinite length
        b"",
        b"\x30\x00",
    ]
    assert verify("sm2-sm3", kp.public_b64, message, b64(good))
    for bad in candidates:
        assert verify("sm2-sm3", kp.public_b64, message, b64(bad)) is False, bad.hex()


def test_verify_refuses_bad_public_keys(keys: dict[str, KeyPair]) -> None:
    kp = keys["sm2-sm3"]
    value = sign("sm2-sm3", kp.private_bytes, b"m")
    raw = unb64(kp.public_b64)
    x, y = raw[1:33], raw[33:]
    off_curve = b"\x04" + x + (int.from_bytes(y, "big") ^ 1).to_bytes(32, "big")
    compressed = bytes([2 + (y[-1] & 1)]) + x
    for bad in (off_curve, compressed, raw[:-1], raw + b"\x00", b"\x00" * 65,
                b"\x04" + b"\xff" * 64):
        assert verify("sm2-sm3", b64(bad), b"m", value) is False
        assert is_valid_public_key("sm2-sm3", b64(bad)) is False


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_verify_refuses_non_canonical_base64(algorithm: str, keys: dict[str, KeyPair]) -> None:
    kp = keys[algorithm]
    value = sign(algorithm, kp.private_bytes, b"m")
    assert verify(algorithm, kp.public_b64, b"m", value)
    # Same bytes, other spellings: one signature has exactly one spelling.
    for variant in (value + "\n", " " + value, value.rstrip("="), value.replace("+", "-"),
                    value + "===="):
        if variant != value:
            assert verify(algorithm, kp.public_b64, b"m", variant) is False
    # Spare bits set in the last character decode to the same bytes in lax decoders.
    if algorithm == "ed25519":  # 64 bytes: two spare bits before "=="
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        last = value[-3]
        alias = value[:-3] + alphabet[alphabet.index(last) | 1] + "=="
        if alias != value:
            assert base64.b64decode(alias) == base64.b64decode(value)
            assert verify(algorithm, kp.public_b64, b"m", alias) is False


@pytest.mark.parametrize(
    "args",
    [
        (None, "AAAA", b"m", "AAAA"),
        ("ed25519", None, b"m", "AAAA"),
        ("ed25519", "AAAA", None, "AAAA"),
        ("ed25519", "AAAA", b"m", None),
        ("ed25519", b"AAAA", b"m", b"AAAA"),
        ("ed25519", "é", b"m", "é"),
        ("ed25519", "A" * 44, "text message", "A" * 88),
        (["sm2-sm3"], "AAAA", b"m", "AAAA"),
    ],
)
def test_verify_refuses_wrong_types(args: tuple) -> None:
    assert verify(*args) is False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(algorithm=st.sampled_from(ALGORITHMS), public=st.text(max_size=120),
       value=st.text(max_size=120))
def test_verify_never_raises_on_arbitrary_text(algorithm: str, public: str, value: str) -> None:
    assert verify(algorithm, public, b"m", value) is False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(algorithm=st.sampled_from(ALGORITHMS), raw=st.binary(max_size=100))
def test_verify_refuses_arbitrary_signature_bytes(keys: dict[str, KeyPair], algorithm: str,
                                                  raw: bytes) -> None:
    assert verify(algorithm, keys[algorithm].public_b64, b"m", b64(raw)) is False


# Full-size scalars as well as hypothesis' favourite small ones: small s and t make the
# scalar multiplications trivially short.
sm2_scalars = st.integers(min_value=1, max_value=SM2_N - 1) | st.binary(
    min_size=32, max_size=32).map(lambda b: int.from_bytes(b, "big") % (SM2_N - 1) + 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(r=sm2_scalars, s=sm2_scalars)
def test_sm2_refuses_arbitrary_well_formed_signatures(keys: dict[str, KeyPair], r: int,
                                                      s: int) -> None:
    # Passes every syntactic check, so this exercises the curve arithmetic itself.
    value = b64(encode_dss_signature(r, s))
    assert verify("sm2-sm3", keys["sm2-sm3"].public_b64, b"m", value) is False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(algorithm=st.sampled_from(ALGORITHMS), raw=st.binary(min_size=0, max_size=80))
def test_verify_refuses_arbitrary_public_keys(keys: dict[str, KeyPair], algorithm: str,
                                              raw: bytes) -> None:
    kp = keys[algorithm]
    value = sign(algorithm, kp.private_bytes, b"m")
    if raw != unb64(kp.public_b64):
        assert verify(algorithm, b64(raw), b"m", value) is False
    assert isinstance(is_valid_public_key(algorithm, b64(raw)), bool)
