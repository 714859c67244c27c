"""POST /api/v1/ops: apply client operations (PROTOCOL "Push")."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from protocol.wire import OpsRequest, OpsResponse
from server import ops
from server.auth import Principal, current_user
from server.errors import problem_responses

router = APIRouter(prefix="/api/v1", tags=["sync"])


@router.post("/ops", response_model=OpsResponse, response_model_exclude_none=False,
             responses=problem_responses(400, 401, 403, 413))
def post_ops(body: OpsRequest, principal: Principal = Depends(current_user)) -> dict:
    """Apply up to 100 operations in order, each atomically and idempotently (`op_id`).

    Types: `task.complete`, `document.mark_read`, `notice.ack`, `notice.mark_read`,
    `notice.publish` (role publisher), `key.register` `{"key_id", "algorithm",
    "public_key"}`, and `key.revoke` `{"key_id"}`: the caller revokes one of their own
    signing keys (e.g. a lost laptop's, from another device, which is signed out as well:
    its tokens are revoked; `rejected` with
    `auth.forbidden` for someone else's key, `key.not_found` for an unknown one; a key
    already revoked stays revoked and the op is `applied`). Opinions signed before a
    revocation stay valid; later sign-offs with the key are `rejected`
    (`signature.key_revoked`).
    """
    results = ops.apply_ops(
        principal.user,
        [op.model_dump() for op in body.ops],
        device_id=principal.session.device_id,
    )
    return {"results": results}
