"""Auth (`/auth/login`, `/auth/refresh`, `/auth/logout`) and `/meta` (PROTOCOL "Meta", "Auth")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from protocol.wire.common import RequestModel, WireModel
from protocol.wire.directory import UserSummary

# No control characters in names (PostgreSQL refuses NUL in text: it gave a 500).
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


class LoginRequest(RequestModel):
    username: str = Field(min_length=1, max_length=150, pattern=_NO_CONTROL)
    password: str = Field(min_length=1, max_length=1024, pattern=r"^[^\x00]*$")
    device_id: str = Field(min_length=1, max_length=200, pattern=_NO_CONTROL)
    device_name: str = Field(default="", max_length=200, pattern=_NO_CONTROL)


class KeyEnrolRequest(RequestModel):
    """`POST /keys/enrol`: a signing key with the second factor (issue 13): the user's
    password again and a one-time enrolment code from county IT."""

    key_id: str = Field(min_length=16, max_length=16, pattern=r"^[0-9a-f]{16}$")
    algorithm: str = Field(min_length=1, max_length=20)
    public_key: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    enrolment_code: str = Field(min_length=1, max_length=40)


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutRequest(RequestModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class TokenGrant(WireModel):
    """The answer to login and refresh; the refresh token rotates with every answer."""

    access_token: str
    refresh_token: str
    expires_in: int | float
    token_type: str | None = None
    user: UserSummary


def _version_text(value: Any) -> Any:
    # A platform may write its version as a number (1, 1.2): read as text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


VersionText = Annotated[str, BeforeValidator(_version_text)]


class PlatformKeyInfo(WireModel):
    """One platform receipt key in `meta.platform_keys`."""

    key_id: str
    algorithm: str
    public_key: str
    created_at: str
    retired_at: str | None = None


class Meta(WireModel):
    """`GET /meta`: protocol number and the platform's identity (no auth)."""

    protocol: int
    server_version: VersionText
    min_client_version: VersionText
    server_time: str
    instance_id: str
    # Bumped by every `python -m server restore`: a client re-synchronises and sends its
    # recent operations again (0 on a platform never restored, or older than this field).
    restore_epoch: int = 0
    # The keys the platform signs its receipts of acceptance with (protocol/platform_receipt.py),
    # retired ones too: `{"key_id", "algorithm", "public_key", "created_at", "retired_at"}`.
    platform_keys: list[PlatformKeyInfo] = []


class BlobStored(WireModel):
    """The answer to `PUT /blobs/{sha256}`."""

    sha256: str
    size: int
    media_type: str
