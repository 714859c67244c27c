"""POST /api/v1/keys/enrol: register a signing key with a second factor (issue 13).

The caller's bearer token names who they are; the body proves it again: the password
and a one-time enrolment code county IT issued to them (server/enrolment.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from protocol import wire
from protocol.wire import KeyEnrolRequest
from server import directory, enrolment
from server.auth import Principal, client_address, current_user
from server.errors import problem_responses

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


@router.post("/enrol", status_code=201, response_model=wire.Key,
             responses=problem_responses(400, 401, 403, 409, 422, 429))
def enrol_key(body: KeyEnrolRequest, request: Request,
              principal: Principal = Depends(current_user)) -> dict[str, Any]:
    key = enrolment.enrol(principal.user, principal.session, key_id=body.key_id,
                          algorithm=body.algorithm, public_key=body.public_key,
                          password=body.password, code=body.enrolment_code,
                          address=client_address(request))
    return directory.key_json(key)
