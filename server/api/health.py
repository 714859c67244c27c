"""GET /healthz (the database answers?) and GET /metrics (Prometheus text); no auth.

Both are for the county's monitoring on the platform host or its LAN: docs/operate.md
shows how nginx keeps them off the public side.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, PlainTextResponse, Response

from server import clock, feed, metrics
from server.db import UNAVAILABLE_ERRORS, database
from server.models import AuthSession

router = APIRouter(tags=["operations"])


@router.get("/healthz", include_in_schema=False)
def healthz() -> Response:
    """200 when the database answers a query, 503 otherwise (for a load balancer)."""
    try:
        database.obj.execute_sql("SELECT 1").fetchone()
    except UNAVAILABLE_ERRORS as exc:
        metrics.count_db_error()
        return JSONResponse({"status": "unavailable", "database": str(exc).strip()[:200]},
                            status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", include_in_schema=False)
def get_metrics() -> Response:
    head: int | None
    sessions: int | None
    try:
        head = feed.current_seq()
        sessions = (AuthSession.select().where(AuthSession.revoked_at.is_null()
                                               & (AuthSession.refresh_expires_at > clock.now()))
                    .count())
    except UNAVAILABLE_ERRORS:
        metrics.count_db_error()
        head = sessions = None
    return PlainTextResponse(metrics.render(feed_head=head, sessions=sessions),
                             media_type="text/plain; version=0.0.4")
