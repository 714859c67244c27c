"""Building blocks of every wire schema: the base models and the field types they share.

Objects the platform sends are strict (a string is a string, an integer is not a
boolean, nothing is coerced), frozen, and keep unknown fields: PROTOCOL lets a platform
add fields freely, and the client stores each object as it came.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """A PROTOCOL object or envelope: strict, frozen, unknown fields kept."""

    model_config = ConfigDict(strict=True, frozen=True, extra="allow")


class RequestModel(BaseModel):
    """A request body the platform reads (the platform's own limits, coercion as FastAPI's)."""

    model_config = ConfigDict(extra="ignore")


def rfc3339_time(value: str) -> str:
    """Accept the RFC 3339 times the client can read (naive ones taken as UTC); unchanged."""
    if value == "":
        raise ValueError("an RFC 3339 time is not empty")
    if value[-1:] in ("Z", "0") and "T" in value:
        datetime.fromisoformat(value)  # the platform's own form: the fast path
        return value
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    datetime.fromisoformat(text)
    return value


NonEmptyStr = Annotated[str, Field(min_length=1)]
Rfc3339 = Annotated[str, AfterValidator(rfc3339_time),
                    Field(json_schema_extra={"format": "date-time"})]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Version = Annotated[int, Field(ge=0)]


class BlobRef(WireModel):
    """A content-addressed blob: `{"sha256", "media_type", "size"}` (only the hash is
    relied on; the rest is informative)."""

    sha256: Sha256Hex


class Attachment(BlobRef):
    """An attachment: a blob with its file `name` (plus `media_type`, `size`)."""

    name: str = ""


class Signature(WireModel):
    """A detached signature: `{"key_id", "algorithm", "value"}` (PROTOCOL "Signatures")."""

    key_id: str
    algorithm: str
    value: str


class SyncedObject(WireModel):
    """What every object of the change feed carries: `id`, `version`, `updated_at`."""

    id: NonEmptyStr
    version: Version
    updated_at: Rfc3339 | None = None


JsonObject = dict[str, Any]
