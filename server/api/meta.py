"""GET /api/v1/meta: protocol and instance identity (no auth)."""

from __future__ import annotations

from fastapi import APIRouter

from protocol.wire import Meta
from protocol.wire.auth import PlatformKeyInfo
from server import clock, feed, platform_keys
from server.errors import problem_responses
from server.version import MIN_CLIENT_VERSION, PROTOCOL, server_version

router = APIRouter(prefix="/api/v1", tags=["meta"])


@router.get("/meta", response_model=Meta, responses=problem_responses())
def get_meta() -> Meta:
    state = feed.feed_state()
    return Meta(
        protocol=PROTOCOL,
        server_version=server_version(),
        min_client_version=MIN_CLIENT_VERSION,
        server_time=clock.rfc3339(clock.now()) or "",
        instance_id=state.instance_id,
        restore_epoch=state.restore_epoch,
        platform_keys=[PlatformKeyInfo(**k) for k in platform_keys.published()],
    )
