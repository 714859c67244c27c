"""Building blocks of every wire schema: the base configs and the field types they share.

What the platform sends is checked strictly (a string is a string, an integer is not a
boolean, nothing is coerced) and keeps unknown fields: PROTOCOL lets a platform add
fields freely, and the client stores each object as it came.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired at class creation.
from datetime import datetime
from typing import Annotated, NotRequired

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict


class WireModel(BaseModel):
    """An envelope or answer of PROTOCOL (page, meta, login, op result): strict, frozen,
    unknown fields kept."""

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


# Objects of the change feed are TypedDicts: validated, they stay the plain dicts the
# client stores as they came (checking a page this way costs about half as much as
# building a model of every object). Strict, unknown fields kept, like WireModel.
OBJECT_CONFIG = ConfigDict(strict=True, extra="allow")


@with_config(OBJECT_CONFIG)
class BlobRef(TypedDict):
    """A content-addressed blob: `{"sha256", "media_type", "size"}` (only the hash is
    relied on; the rest is informative)."""

    sha256: Sha256Hex


@with_config(OBJECT_CONFIG)
class Attachment(TypedDict):
    """An attachment: a blob with its file `name` (plus `media_type`, `size`)."""

    sha256: Sha256Hex
    name: NotRequired[str]


@with_config(OBJECT_CONFIG)
class Signature(TypedDict):
    """A detached signature: `{"key_id", "algorithm", "value"}` (PROTOCOL "Signatures")."""

    key_id: str
    algorithm: str
    value: str


@with_config(OBJECT_CONFIG)
class SyncedObject(TypedDict):
    """What every object of the change feed carries: `id`, `version`, `updated_at`."""

    id: NonEmptyStr
    version: Version
    updated_at: NotRequired[Rfc3339 | None]

