"""Password hashing and opaque tokens.

Passwords: scrypt (n=2**14, r=8, p=1), 16-byte random salt, stored as
`scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>` so parameters can be raised later while old
hashes still verify. Tokens: `secrets.token_urlsafe(32)`; only their SHA-256 is stored,
so a leaked database holds no usable token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from datetime import timedelta

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32

# Lifetimes, overridable by environment for deployments (and tests of expiry).
ACCESS_TOKEN_TTL = timedelta(seconds=int(os.environ.get("GOVDESK_ACCESS_TTL", "900")))
REFRESH_TOKEN_TTL = timedelta(days=int(os.environ.get("GOVDESK_REFRESH_TTL_DAYS", "30")))

MAX_PASSWORD_BYTES = 1024  # scrypt cost is independent of length, but bound the input


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=_DKLEN
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check; False (never an exception) for a malformed stored hash."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
        if len(expected) != _DKLEN:
            return False  # a truncated hash would compare equal to a prefix
        digest = hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        return False
    return hmac.compare_digest(digest, expected)


# A hash to verify against when the user does not exist, so the reply takes as long.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    verify_password(password, _DUMMY_HASH)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
