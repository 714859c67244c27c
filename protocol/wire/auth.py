"""Auth (`/auth/login`, `/auth/refresh`, `/auth/logout`) and `/meta` (PROTOCOL "Meta", "Auth")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from protocol.wire.common import RequestModel, WireModel
from protocol.wire.directory import UserSummary


class LoginRequest(RequestModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    device_id: str = Field(min_length=1, max_length=200)
    device_name: str = Field(default="", max_length=200)


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


class BlobStored(WireModel):
    """The answer to `PUT /blobs/{sha256}`."""

    sha256: str
    size: int
    media_type: str
