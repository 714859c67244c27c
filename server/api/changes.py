"""GET /api/v1/changes: the caller's change feed (PROTOCOL "Pull")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from protocol.wire import ChangePage
from server import feed
from server.auth import Principal, current_user
from server.errors import problem_responses

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
