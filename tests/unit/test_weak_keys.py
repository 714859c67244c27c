"""Issue 13, finding 10: small-order Ed25519 keys and off-curve SM2 points are no keys.

With the identity point as a user's key, the fixed signature 01 00…00 ‖ 0³² "verifies"
any message in OpenSSL; protocol.signing (used by the platform and the client) refuses
both the key and the signature.
"""

from __future__ import annotations

import base64

import pytest

from protocol import signing
from protocol.signing import ed25519_small_order, generate_keypair

P = 2**255 - 19
# Encodings of the 8 points of small order (and non-canonical spellings of some).
SMALL_ORDER = [
    (1).to_bytes(32, "little"),                      # identity (order 1)
    (P - 1).to_bytes(32, "little"),                  # y = -1 (order 2)
    (0).to_bytes(32, "little"),                      # y = 0 (order 4)
    (0).to_bytes(32, "little")[:31] + b"\x80",       # y = 0, other x (order 4)
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  # order 8
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # order 8
    (P + 1).to_bytes(32, "little"),                  # non-canonical identity (y >= p)
]
FORGED = base64.b64encode(bytes([1]) + bytes(63)).decode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("raw", SMALL_ORDER)
def test_small_order_keys_are_refused(raw: bytes) -> None:
    assert ed25519_small_order(raw)
    assert not signing.is_valid_public_key("ed25519", b64(raw))
    assert not signing.verify("ed25519", b64(raw), b"batch 7: approve", FORGED)


def test_real_keys_are_not_small_order_and_still_verify() -> None:
    for _ in range(50):
        kp = generate_keypair("ed25519")
        assert not ed25519_small_order(base64.b64decode(kp.public_b64))
        assert signing.is_valid_public_key("ed25519", kp.public_b64)
        value = signing.sign("ed25519", kp.private_bytes, b"m")
        assert signing.verify("ed25519", kp.public_b64, b"m", value)


def test_off_curve_sm2_points_are_refused() -> None:
    kp = generate_keypair("sm2-sm3")
    raw = bytearray(base64.b64decode(kp.public_b64))
    assert signing.is_valid_public_key("sm2-sm3", kp.public_b64)
    raw[-1] ^= 1  # y changed: (x, y') is off the curve
    assert not signing.is_valid_public_key("sm2-sm3", b64(bytes(raw)))
