"""Password hashing and opaque tokens.

Passwords: scrypt (n=2**14, r=8, p=1), 16-byte random salt, stored as
`scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>` so parameters can be raised later while old
hashes still verify. Tokens: `secrets.token_urlsafe(32)`; only their SHA-256 is stored,
so a leaked database holds no usable token.
"""

from __future__ import annotations

import base64
import functools
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
# Absolute session lifetime (issue 13): however often it is refreshed, a sign-in ends
# this long after it began. Seconds, so tests can make it short.
SESSION_MAX_AGE = timedelta(seconds=int(os.environ.get("GOVDESK_SESSION_MAX_AGE",
                                                       str(30 * 24 * 3600))))

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


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so the reply takes as long
    (made at first use: every platform process and server command paid 80 ms for it at
    import)."""
    return hash_password(secrets.token_urlsafe(16))


def prepare_dummy_hash() -> None:
    """Make it when the platform starts serving, not at its first use: the first unknown
    user's sign-in would otherwise take longer than a known one's."""
    _dummy_hash()


def burn_password_check(password: str) -> None:
    verify_password(password, _dummy_hash())


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- password policy (issue 13, finding 17) ----------------------------------------------

MIN_PASSWORD_LENGTH = 8
MIN_CHARACTER_CLASSES = 3  # of: lower case, upper case, digits, other
# Passwords every guessing list starts with, and their county-office variants. Compared
# case-insensitively after removing digits and symbols at the end ("Password123!").
COMMON_PASSWORDS = frozenset(["123456", "12345678", "123456789", "1234567890", "password", "passw0rd", "qwerty", "qwertyuiop", "abc123", "abcd1234", "111111", "000000", "888888", "666666", "123123", "admin", "administrator", "root", "welcome", "letmein", "iloveyou", "monkey", "dragon", "football", "baseball", "sunshine", "master", "superman", "princess", "trustno1", "changeme", "woaini", "woaini1314", "5201314", "1qaz2wsx", "qazwsx", "zxcvbnm", "asdfghjkl", "p@ssw0rd", "p@ssword", "admin@123", "test", "guest", "user", "default", "government", "gov", "china", "beijing", "huawei"])


def check_password_policy(password: str) -> None:
    """Problem 422 `user.weak_password` unless the password is long, mixed and uncommon.

    Applied when an administrator creates a user or resets a password (the demo's own
    password, Fujin@2005, passes)."""
    from server.errors import Problem  # errors imports nothing of ours; keep it local

    if len(password) < MIN_PASSWORD_LENGTH:
        raise Problem(422, "user.weak_password", "Weak password",
                      f"at least {MIN_PASSWORD_LENGTH} characters")
    classes = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password),
                   any(not c.isalnum() for c in password)))
    if classes < MIN_CHARACTER_CLASSES:
        raise Problem(422, "user.weak_password", "Weak password",
                      "use at least three of: lower case, upper case, digits, symbols")
    stem = password.lower().rstrip("0123456789!@#$%^&*.-_ ")
    if password.lower() in COMMON_PASSWORDS or stem in COMMON_PASSWORDS or not stem:
        raise Problem(422, "user.weak_password", "Weak password",
                      "this password is on the list of common passwords")
