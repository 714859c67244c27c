"""POST /api/v1/auth/login, /refresh, /logout (PROTOCOL "Auth")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import Response

from protocol.wire import LoginRequest, LogoutRequest, RefreshRequest, TokenGrant
from server import auth
from server.errors import Problem, problem_responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/login", response_model=TokenGrant,
             responses=problem_responses(400, 401, 403, 429))
def login(body: LoginRequest, request: Request) -> dict:
    return auth.login(body.username, body.password, body.device_id, body.device_name,
                      address=auth.client_address(request)).to_dict()


@router.post("/refresh", response_model=TokenGrant, responses=problem_responses(400, 401, 403))
def refresh(body: RefreshRequest) -> dict:
    return auth.refresh(body.refresh_token).to_dict()


@router.post("/logout", status_code=204, response_class=Response,
             responses=problem_responses(400, 401))
def logout(
    body: LogoutRequest | None = None,
    credentials: HTTPAuthorizationCredentials | None = Depends(auth.bearer_scheme),
) -> Response:
    """Revoke this device's tokens: by the bearer token (expired is fine) or a refresh token."""
    access = credentials.credentials if credentials is not None else None
    refresh_token = body.refresh_token if body is not None else None
    if not auth.logout(access_token=access, refresh_token=refresh_token):
        raise Problem(401, "auth.unauthenticated", "Not signed in",
                      "no live session for these tokens")
    return Response(status_code=204)
