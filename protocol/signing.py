"""Device signing keys and signatures (PROTOCOL.md "Signatures").

Two algorithms:
- "ed25519": `cryptography`; private key = raw 32 bytes, public = raw 32 bytes,
  signature = raw 64 bytes.
- "sm2-sm3": SM2 with SM3 (GB/T 32918.2, GB/T 35276); private key = 32-byte scalar,
  public = 65-byte uncompressed point 04||x||y, signature = DER SEQUENCE(r, s), with
  e = SM3(Z_A || M) and Z_A over the default user id "1234567812345678".
  `cryptography` has no SM2, so the curve arithmetic is `gmssl`'s; everything around it
  (Z_A and e with a fast SM3, the nonce, key and signature checks, DER) is done here,
  because gmssl's own helpers hash in slow pure Python, draw nonces from `random`
  (not a CSPRNG) and mangle public keys via `str.lstrip("04")`.

Binary values travel as standard base64 with padding. `verify` never raises on bad
input: anything malformed is simply not a valid signature.

SM2 arithmetic is pure Python and not constant-time: acceptable for human-paced sign-offs
on a user's own device, not for a signing service exposed to timing measurements.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmssl.sm2 import CryptSM2

ED25519 = "ed25519"
SM2_SM3 = "sm2-sm3"
ALGORITHMS = (ED25519, SM2_SM3)

# GB/T 32918.5 recommended curve (sm2p256v1).
SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
SM2_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
# GB/T 35276 default distinguishing identifier; ENTL is its length in bits.
SM2_DEFAULT_ID = b"1234567812345678"

_ED25519_PUBLIC_LEN = 32
_ED25519_PRIVATE_LEN = 32
_ED25519_SIGNATURE_LEN = 64
_SM2_PUBLIC_LEN = 65
_SM2_PRIVATE_LEN = 32
# DER of two 256-bit INTEGERs is at most 2 + 2 * (2 + 33) bytes.
_SM2_DER_MAX_LEN = 72


def _make_sm3() -> Callable[[bytes], bytes]:
    """Fastest SM3 available: OpenSSL via hashlib, else cryptography's (gmssl's is ~0.1 MiB/s)."""
    try:
        hashlib.new("sm3", b"")

        def sm3_hashlib(data: bytes) -> bytes:
            return hashlib.new("sm3", data).digest()

        return sm3_hashlib
    except ValueError:
        from cryptography.hazmat.primitives import hashes

        def sm3_cryptography(data: bytes) -> bytes:
            h = hashes.Hash(hashes.SM3())
            h.update(data)
            return bytes(h.finalize())

        return sm3_cryptography


sm3 = _make_sm3()


class SigningError(ValueError):
    """A key or algorithm that cannot be used to sign (caller's mistake, not bad input)."""


@dataclass(frozen=True)
class KeyPair:
    algorithm: str
    private_bytes: bytes = field(repr=False)
    public_b64: str
    key_id: str


# --- encoding helpers ---------------------------------------------------------------


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode_strict(value: Any) -> bytes | None:
    """Decode canonical standard base64, or None: no whitespace, padding, or spare bits."""
    if not isinstance(value, str) or not value.isascii():
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    # Refuse aliases (non-zero spare bits): one signature has exactly one spelling.
    return raw if _b64encode(raw) == value else None


def key_id_for(public_raw: bytes) -> str:
    """PROTOCOL key id: first 16 hex characters of SHA-256 of the raw public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def key_id_from_public(public_b64: str) -> str:
    """Key id of a base64 public key; ValueError if it is not valid base64."""
    raw = _b64decode_strict(public_b64)
    if raw is None:
        raise ValueError("public key is not canonical base64")
    return key_id_for(raw)


def _check_algorithm(algorithm: Any) -> str:
    if algorithm not in ALGORITHMS:
        raise SigningError(f"unknown signature algorithm {algorithm!r}; expected one of {ALGORITHMS}")
    return str(algorithm)


# --- SM2 ----------------------------------------------------------------------------


def _sm2_on_curve(x: int, y: int) -> bool:
    return 0 <= x < SM2_P and 0 <= y < SM2_P and (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P == 0


def _sm2_parse_public(raw: bytes) -> tuple[int, int] | None:
    """Uncompressed point on the curve, or None. The cofactor is 1: on-curve suffices."""
    if len(raw) != _SM2_PUBLIC_LEN or raw[0] != 0x04:
        return None
    x = int.from_bytes(raw[1:33], "big")
    y = int.from_bytes(raw[33:], "big")
    return (x, y) if _sm2_on_curve(x, y) else None


def _sm2_scalar(private_bytes: Any) -> int:
    if not isinstance(private_bytes, bytes | bytearray) or len(private_bytes) != _SM2_PRIVATE_LEN:
        raise SigningError("an SM2 private key is a 32-byte scalar")
    d = int.from_bytes(private_bytes, "big")
    # d = n-1 has no (1+d)^-1 mod n, so GB/T 32918 limits d to [1, n-2].
    if not 1 <= d <= SM2_N - 2:
        raise SigningError("SM2 private scalar out of range [1, n-2]")
    return d


def _gmssl(public_xy_hex: str = "") -> CryptSM2:
    engine = CryptSM2(private_key="", public_key="")
    # Set directly: the constructor strips leading '0'/'4' digits off the key itself.
    engine.public_key = public_xy_hex
    return engine


_SM2_G_HEX = f"{SM2_GX:064x}{SM2_GY:064x}"


def _sm2_derive_public(private_bytes: bytes) -> bytes:
    """04||x||y = [d]G."""
    d = _sm2_scalar(private_bytes)
    xy_hex = _gmssl()._kg(d, _SM2_G_HEX)
    raw = b"\x04" + bytes.fromhex(xy_hex)
    if _sm2_parse_public(raw) is None:  # would mean broken arithmetic; never sign with it
        raise SigningError("SM2 public key derivation failed")
    return raw


# Every SM2 signature needs the signer's public key for Z_A; deriving it costs as much as
# the signature itself, so the few keys a device signs with are remembered.
_sm2_public_raw = functools.lru_cache(maxsize=8)(_sm2_derive_public)


def sm2_z(public_raw: bytes, user_id: bytes = SM2_DEFAULT_ID) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2, 5.5)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    curve = b"".join(v.to_bytes(32, "big") for v in (SM2_A, SM2_B, SM2_GX, SM2_GY))
    return sm3(entl + user_id + curve + public_raw[1:])


def sm2_e(public_raw: bytes, message: bytes, user_id: bytes = SM2_DEFAULT_ID) -> bytes:
    """e = SM3(Z_A || M), the value SM2 actually signs."""
    return sm3(sm2_z(public_raw, user_id) + message)


def _sm2_sign_e(private_bytes: bytes, e: bytes, k: int) -> tuple[int, int] | None:
    """(r, s) for digest e with nonce k, or None when k must be redrawn (r=0, r+k=n, s=0)."""
    rs_hex = CryptSM2(private_key=private_bytes.hex(), public_key="").sign(e, f"{k:064x}")
    if rs_hex is None:
        return None
    return int(rs_hex[:64], 16), int(rs_hex[64:], 16)


def _sm2_sign(private_bytes: bytes, message: bytes) -> bytes:
    _sm2_scalar(private_bytes)
    private_bytes = bytes(private_bytes)
    e = sm2_e(_sm2_public_raw(private_bytes), message)
    while True:
        # gmssl's default nonce comes from `random`; a predictable k leaks d.
        rs = _sm2_sign_e(private_bytes, e, secrets.randbelow(SM2_N - 1) + 1)
        if rs is not None:
            return encode_dss_signature(*rs)


def _sm2_verify(public_raw: bytes, message: bytes, signature: bytes) -> bool:
    xy = _sm2_parse_public(public_raw)
    if xy is None or not 8 <= len(signature) <= _SM2_DER_MAX_LEN:
        return False
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    # Exactly one DER spelling, and r, s in [1, n-1] (GB/T 32918.2, 7.1 B1, B2).
    if encode_dss_signature(r, s) != signature:
        return False
    if not (1 <= r < SM2_N and 1 <= s < SM2_N) or (r + s) % SM2_N == 0:
        return False
    e = sm2_e(public_raw, message)
    try:
        return bool(_gmssl(public_raw[1:].hex()).verify(f"{r:064x}{s:064x}", e))
    except (TypeError, ValueError):
        # gmssl hits the point at infinity as None -> TypeError: not a valid signature.
        return False


# --- Ed25519 ------------------------------------------------------------------------


def _ed25519_private(private_bytes: Any) -> ed25519.Ed25519PrivateKey:
    if not isinstance(private_bytes, bytes | bytearray) or len(private_bytes) != _ED25519_PRIVATE_LEN:
        raise SigningError("an Ed25519 private key is 32 raw bytes")
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(private_bytes))


# Curve25519 in Edwards form (RFC 8032): -x^2 + y^2 = 1 + d x^2 y^2 over GF(p).
_ED_P = 2**255 - 19
_ED_D = (-121665 * pow(121666, _ED_P - 2, _ED_P)) % _ED_P
_ED_SQRT_M1 = pow(2, (_ED_P - 1) // 4, _ED_P)


def _ed25519_point(raw: bytes) -> tuple[int, int] | None:
    """The point a 32-byte encoding names (RFC 8032 5.1.3), None when it names none or
    is not the canonical encoding (y >= p, or x = 0 with the sign bit set)."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    sign = raw[31] >> 7
    if y >= _ED_P:
        return None
    u, v = (y * y - 1) % _ED_P, (_ED_D * y * y + 1) % _ED_P
    x = (u * pow(v, 3, _ED_P) * pow(u * pow(v, 7, _ED_P), (_ED_P - 5) // 8, _ED_P)) % _ED_P
    if (v * x * x - u) % _ED_P != 0:
        x = (x * _ED_SQRT_M1) % _ED_P
        if (v * x * x - u) % _ED_P != 0:
            return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _ED_P - x
    return x, y


def _ed25519_add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = _ED_D * x1 * x2 * y1 * y2 % _ED_P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, _ED_P - 2, _ED_P) % _ED_P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, _ED_P - 2, _ED_P) % _ED_P
    return x3, y3


def ed25519_small_order(raw: bytes) -> bool:
    """Whether an Ed25519 public key is a point of small order (8P = identity), or no
    canonical point at all. Such a key "verifies" forged signatures (issue 13)."""
    point = _ed25519_point(raw)
    if point is None:
        return True
    for _ in range(3):
        point = _ed25519_add(point, point)
    return point == (0, 1)


def _ed25519_verify(public_raw: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_raw) != _ED25519_PUBLIC_LEN or len(signature) != _ED25519_SIGNATURE_LEN:
        return False
    if ed25519_small_order(public_raw):
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- public API ---------------------------------------------------------------------


def public_key_from_private(algorithm: str, private_bytes: bytes) -> str:
    """Base64 of the raw public key belonging to `private_bytes`."""
    if _check_algorithm(algorithm) == ED25519:
        return _b64encode(_ed25519_private(private_bytes).public_key().public_bytes_raw())
    _sm2_scalar(private_bytes)  # type and range check before bytes() could coerce
    return _b64encode(_sm2_public_raw(bytes(private_bytes)))


def generate_keypair(algorithm: str) -> KeyPair:
    """A fresh key pair from the OS CSPRNG."""
    if _check_algorithm(algorithm) == ED25519:
        key = ed25519.Ed25519PrivateKey.generate()
        private = key.private_bytes_raw()
        public_raw = key.public_key().public_bytes_raw()
    else:
        private = (secrets.randbelow(SM2_N - 2) + 1).to_bytes(_SM2_PRIVATE_LEN, "big")
        public_raw = _sm2_derive_public(private)
    return KeyPair(algorithm, private, _b64encode(public_raw), key_id_for(public_raw))


def sign(algorithm: str, private_bytes: bytes, message: bytes) -> str:
    """Base64 signature value of `message`; SigningError for an unusable key."""
    if not isinstance(message, bytes | bytearray):
        raise TypeError("message must be bytes (see protocol.canonical.canonical_json)")
    if _check_algorithm(algorithm) == ED25519:
        return _b64encode(_ed25519_private(private_bytes).sign(bytes(message)))
    return _b64encode(_sm2_sign(private_bytes, bytes(message)))


def verify(algorithm: str, public_b64: str, message: bytes, value_b64: str) -> bool:
    """True only for a valid signature; False for any bad or malformed input, never raises."""
    try:
        if algorithm not in ALGORITHMS or not isinstance(message, bytes | bytearray):
            return False
        public_raw = _b64decode_strict(public_b64)
        signature = _b64decode_strict(value_b64)
        if public_raw is None or signature is None:
            return False
        if algorithm == ED25519:
            return _ed25519_verify(public_raw, bytes(message), signature)
        return _sm2_verify(public_raw, bytes(message), signature)
    except Exception:  # the contract: malformed input is "not valid", never a crash
        return False


def is_valid_public_key(algorithm: str, public_b64: str) -> bool:
    """Whether `public_b64` is a usable public key for `algorithm` (for key.register)."""
    raw = _b64decode_strict(public_b64)
    if raw is None or algorithm not in ALGORITHMS:
        return False
    if algorithm == ED25519:
        if len(raw) != _ED25519_PUBLIC_LEN or ed25519_small_order(raw):
            return False
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            return False
        return True
    return _sm2_parse_public(raw) is not None


def verify_signature_object(signature: Any, public_b64: str, message: bytes) -> bool:
    """Check a PROTOCOL `signature` object against a registered public key.

    The object's algorithm must be known and its key_id must be the key id of
    `public_b64`, so a signature can never be checked against some other key.
    """
    try:
        if not isinstance(signature, Mapping):
            return False
        key_id = signature.get("key_id")
        algorithm = signature.get("algorithm")
        value = signature.get("value")
        if not (isinstance(key_id, str) and isinstance(value, str)
                and isinstance(algorithm, str)):
            return False
        public_raw = _b64decode_strict(public_b64)
        if public_raw is None or key_id_for(public_raw) != key_id:
            return False
        return verify(algorithm, public_b64, message, value)
    except Exception:  # same contract as verify()
        return False


@dataclass(frozen=True)
class Signer:
    """A user's device key, ready to sign sign-off messages."""

    key_id: str
    algorithm: str
    private_bytes: bytes = field(repr=False)
    user_id: str

    def __post_init__(self) -> None:
        # Catch a key id that does not belong to the key now, not at the platform later.
        public_raw = _b64decode_strict(public_key_from_private(self.algorithm, self.private_bytes))
        if public_raw is None or key_id_for(public_raw) != self.key_id:
            raise SigningError("key_id does not match the private key")

    @classmethod
    def from_keypair(cls, keypair: KeyPair, user_id: str) -> Signer:
        return cls(keypair.key_id, keypair.algorithm, keypair.private_bytes, user_id)

    def sign(self, message: bytes) -> dict[str, str]:
        """The PROTOCOL `signature` object for `message`."""
        return {
            "key_id": self.key_id,
            "algorithm": self.algorithm,
            "value": sign(self.algorithm, self.private_bytes, message),
        }
