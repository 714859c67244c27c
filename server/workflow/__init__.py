"""The 收文 workflow: registration, sign-offs, routing, cancel/re-route, archive.

Spec: docs/contracts.md "Workflow rules" (after the 2012 党政机关公文处理工作条例:
签收/登记 → 拟办 → 批示 → 承办/传阅 → 办结 → 归档). By concern:
- `registration`: 签收/登记 of one document or of many at once (the demo's bulk load);
- `signoff`: the ops `task.complete` (parse, check against protocol.workflow_rules,
  verify the signature, record the opinion) and `document.mark_read`;
- `recall`: the op `task.recall` (撤回 one's own sign-off while its next steps have not
  started, protocol.workflow_rules.check_recall);
- `stages`: the stage machine (forward, return, next stage, completion);
- `clerk`: cancel, re-route, archive, republish, and who may do them;
- `common`: ids, blob ownership, the users a route names, publishing one action's changes;
- 发文 and 公文交换: `outgoing` (submit, 核稿/会签/签发 steps, cancel), `numbering` (编号,
  用印, the admin's series and seals), `exchange` (核发, 签收, 拒收, exchange.send), `desk`
  (the clerk's ops: register, route, cancel/re-route, 催办, 办结, 归档).

Every action runs inside `write_tx()` and publishes what it changed; state errors are
`Problem`s (409 → op conflict, other 4xx → op rejected). Importing this package registers
the op handlers (server.app.OP_MODULES).
"""

from __future__ import annotations

from server.workflow.clerk import (
    archive_document,
    cancel_task,
    check_clerk_of,
    document_for_clerk,
    republish_unit_documents,
    reroute_task,
)
from server.workflow.common import MAX_ROUTE, contains_nul, new_id, uploaded_by
from server.workflow.recall import recall_signoff
from server.workflow.registration import (
    DOC_TYPES,
    MAX_TEXT,
    SENDABLE_CLASSIFICATIONS,
    URGENCIES,
    BulkDocument,
    next_registration_number,
    register_document,
    register_document_from_blobs,
    register_documents_bulk,
    validate_meta,
)
from server.workflow.signoff import SignOff, complete_task, mark_document_read, parse_signoff

# 发文 and 公文交换 (docs/protocol.md "Outgoing documents"): importing registers their ops.
from server.workflow import desk, exchange, numbering, outgoing  # noqa: E402,F401  isort: skip

__all__ = [
    "DOC_TYPES", "MAX_ROUTE", "MAX_TEXT", "SENDABLE_CLASSIFICATIONS", "URGENCIES",
    "BulkDocument", "SignOff", "archive_document", "cancel_task", "check_clerk_of",
    "document_for_clerk",
    "complete_task", "contains_nul", "mark_document_read", "new_id", "next_registration_number",
    "parse_signoff", "recall_signoff", "register_document", "register_document_from_blobs",
    "register_documents_bulk", "republish_unit_documents", "reroute_task", "uploaded_by",
    "validate_meta",
]
