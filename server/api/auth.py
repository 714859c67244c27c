"""POST /api/v1/auth/login, /refresh, /logout (PROTOCOL "Auth")."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from server import auth
from server.errors import Problem, problem_responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    device_id: str = Field(min_length=1, max_length=200)
    device_name: str = Field(default="", max_length=200)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutIn(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    unit_id: str
    roles: list[str]
    title: str


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str
    user: UserOut


@router.post("/login", response_model=TokensOut, responses=problem_responses(400, 401, 403, 429))
def login(body: LoginIn) -> dict:
    return auth.login(body.username, body.password, body.device_id, body.device_name).to_dict()


@router.post("/refresh", response_model=TokensOut, responses=problem_responses(400, 401, 403))
def refresh(body: RefreshIn) -> dict:
    return auth.refresh(body.refresh_token).to_dict()


@router.post("/logout", status_code=204, response_class=Response,
             responses=problem_responses(400, 401))
def logout(
    body: LogoutIn | None = None,
    credentials: HTTPAuthorizationCredentials | None = Depends(auth.bearer_scheme),
) -> Response:
    """Revoke this device's tokens: by the bearer token (expired is fine) or a refresh token."""
    access = credentials.credentials if credentials is not None else None
    refresh_token = body.refresh_token if body is not None else None
    if not auth.logout(access_token=access, refresh_token=refresh_token):
        raise Problem(401, "auth.unauthenticated", "Not signed in",
                      "no live session for these tokens")
    return Response(status_code=204)
