"""GET /api/v1/meta: protocol and instance identity (no auth)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from server import clock, feed
from server.errors import problem_responses
from server.version import MIN_CLIENT_VERSION, PROTOCOL, server_version

router = APIRouter(prefix="/api/v1", tags=["meta"])


class MetaOut(BaseModel):
    protocol: int
    server_version: str
    min_client_version: str
    server_time: str
    instance_id: str


@router.get("/meta", response_model=MetaOut, responses=problem_responses())
def get_meta() -> MetaOut:
    return MetaOut(
        protocol=PROTOCOL,
        server_version=server_version(),
        min_client_version=MIN_CLIENT_VERSION,
        server_time=clock.rfc3339(clock.now()) or "",
        instance_id=feed.feed_state().instance_id,
    )
