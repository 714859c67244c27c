"""The wire schemas of PROTOCOL v1, one pydantic definition each, for both sides.

The platform uses them as its route models (so /openapi.json is generated from them)
and checks in its tests that what it serialises validates; the client parses what it
receives with them. The objects of the change feed are TypedDicts (validating one
yields the plain dict the client stores, and costs far less than building a model);
envelopes and answers are frozen models. Modules by concern: `common` (base models, field types), `directory`
(unit, user, key), `documents` (document, task, opinion), `notices` (notice, receipt),
`changes` (the change feed), `operations` (ops, op data, op results), `auth` (auth, meta).
"""

from protocol.wire.auth import (
    BlobStored,
    KeyEnrolRequest,
    LoginRequest,
    LogoutRequest,
    Meta,
    RefreshRequest,
    TokenGrant,
)
from protocol.wire.changes import (
    CHANGE_LIST,
    OBJECT_SCHEMAS,
    REQUIRED_FIELDS,
    Change,
    ChangeHeader,
    ChangePage,
    DeleteChange,
    PageEnvelope,
    validate_object,
)
from protocol.wire.common import (
    Attachment,
    BlobRef,
    RequestModel,
    Signature,
    SyncedObject,
    WireModel,
    rfc3339_time,
)
from protocol.wire.directory import Key, ObjectType, Unit, User, UserSummary
from protocol.wire.documents import Document, Opinion, Task
from protocol.wire.notices import Notice, Receipt
from protocol.wire.operations import (
    MAX_OPS_PER_REQUEST,
    OP_DATA,
    DocumentMarkReadData,
    KeyRegisterData,
    KeyRevokeData,
    NoticeAckData,
    NoticeMarkReadData,
    NoticePublishData,
    Op,
    OpResult,
    OpsRequest,
    OpsResponse,
    TaskCompleteData,
)

__all__ = [
    "CHANGE_LIST", "MAX_OPS_PER_REQUEST", "OBJECT_SCHEMAS", "OP_DATA",
    "REQUIRED_FIELDS",
    "Attachment", "BlobRef", "BlobStored", "Change", "ChangeHeader", "ChangePage",
    "DeleteChange", "Document", "DocumentMarkReadData", "Key", "KeyEnrolRequest", "KeyRegisterData",
    "KeyRevokeData", "LoginRequest", "LogoutRequest", "Meta", "Notice", "NoticeAckData",
    "NoticeMarkReadData", "NoticePublishData", "ObjectType", "Op", "OpResult", "OpsRequest",
    "OpsResponse", "Opinion", "PageEnvelope", "Receipt", "RefreshRequest", "RequestModel",
    "Signature", "SyncedObject", "Task", "TaskCompleteData", "TokenGrant", "Unit", "User",
    "UserSummary", "WireModel", "rfc3339_time", "validate_object",
]
