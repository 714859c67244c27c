"""GET /api/v1/changes: the caller's change feed (PROTOCOL "Pull")."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from protocol.wire import ChangePage
from server import auth, feed
from server.auth import Principal, current_user
from server.errors import Problem, problem_response, problem_responses

router = APIRouter(prefix="/api/v1", tags=["sync"])


@router.get(
    "/changes",
    response_class=Response,
    responses={
        200: {"model": ChangePage, "description": "One page of changes",
              "content": {"application/json": {}}},
        **problem_responses(400, 401, 403, 410),
    },
)
def get_changes(
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=feed.DEFAULT_LIMIT, ge=1, le=feed.MAX_LIMIT),
    principal: Principal = Depends(current_user),
) -> Response:
    # The body is joined from JSON stored pre-serialised: no per-object encoding here.
    # In the thread pool (a sync route): no database call ever runs on the event loop.
    body = feed.read_changes(principal.user.id, cursor, limit)
    return Response(body, media_type="application/json")


# --- the no-frills path for well-formed polls ----------------------------------------

_PATH = "/api/v1/changes"


def _plain_poll(scope: dict[str, Any]) -> tuple[str, str | None, int] | None:
    """(token, cursor, limit) of a GET /changes that needs nothing of FastAPI (a bearer
    token, at most a valid cursor and limit); None sends the request the long way."""
    if scope["method"] != "GET" or scope["path"] != _PATH:
        return None
    token = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            if token is not None:
                return None
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not rest.strip():
                return None
            token = rest.strip()
    if token is None:
        return None
    cursor, limit = None, feed.DEFAULT_LIMIT
    seen: set[str] = set()
    for key, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        if key in seen:
            return None
        seen.add(key)
        if key == "cursor" and len(value) <= 200:
            cursor = value
        elif key == "limit" and value.isdigit() and 1 <= int(value) <= feed.MAX_LIMIT:
            limit = int(value)
        else:  # anything else: FastAPI validates it and answers as it always did
            return None
    return token, cursor, limit


def _poll(token: str, cursor: str | None, limit: int) -> bytes:
    return feed.read_changes(auth.user_id_for_token(token), cursor, limit)


class ChangesFastPath:
    """Serves well-formed `GET /api/v1/changes` polls without FastAPI's routing and
    dependency layers, in one thread-pool call (issue 14: in a prefecture, every PC
    polls; two thirds of a no-change poll's time went to the framework). The answer is
    the route's, byte for byte: same function, same problem documents. Anything
    unusual (no bearer token, an unknown parameter, an error that is not a problem
    document) goes the long way, so FastAPI still validates and answers it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        plain = _plain_poll(scope) if scope["type"] == "http" else None
        if plain is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await run_in_threadpool(_poll, *plain)
        except Problem as problem:
            await problem_response(problem)(scope, receive, send)
            return
        except Exception:  # the app's handlers say what went wrong (503, 500)
            await self.app(scope, receive, send)
            return
        await Response(body, media_type="application/json")(scope, receive, send)
