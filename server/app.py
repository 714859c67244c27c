"""The FastAPI application of the reference platform: `create_app(db_url)`.

Op handlers register themselves when their module is imported, so every module that
registers ops is listed in `OP_MODULES`; routers in `ROUTER_MODULES` (each exposes
`router`). A periodic task flags notices that expired, so clients see `expired: true`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from server import errors, security
from server.api.changes import ChangesFastPath
from server.db import init_database
from server.metrics import MetricsMiddleware
from server.version import server_version

log = logging.getLogger(__name__)

OP_MODULES = ["server.directory", "server.workflow", "server.notices", "server.notes"]
ROUTER_MODULES = [
    "server.api.meta",
    "server.api.auth",
    "server.api.changes",
    "server.api.ops",
    "server.api.blobs",
    "server.api.events",
    "server.api.admin",
    "server.api.keys",
    "server.api.health",
]


EXPIRY_SWEEP_SECONDS = 60.0


async def _sweep_expired_notices_forever() -> None:
    from server import notices

    while True:
        try:
            count = await asyncio.to_thread(notices.sweep_expired)
            if count:
                log.info("flagged %d expired notice(s)", count)
        except Exception:  # keep sweeping; a failed sweep is retried next round
            log.exception("expired-notice sweep failed")
        await asyncio.sleep(EXPIRY_SWEEP_SECONDS)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    security.prepare_dummy_hash()  # before the first request (not at every import)
    task = asyncio.create_task(_sweep_expired_notices_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class _GZipExceptBlobs:
    """gzip JSON responses; never blobs (Range offsets refer to the raw bytes)."""

    def __init__(self, app: Any) -> None:
        self.plain = app
        self.gzip = GZipMiddleware(app, minimum_size=1024, compresslevel=5)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/v1/blobs/"):
            await self.plain(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


def create_app(db_url: str) -> FastAPI:
    """Open (and if new, create) the database at `db_url` and build the app."""
    init_database(db_url)
    for name in OP_MODULES:
        importlib.import_module(name)
    app = FastAPI(
        lifespan=_lifespan,
        title="GovDesk county platform",
        version=server_version(),
        description="Reference implementation of the GovDesk county platform protocol v1.",
    )
    errors.install(app)
    app.add_middleware(ChangesFastPath)  # inside gzip and metrics: they see its answers
    app.add_middleware(_GZipExceptBlobs)
    app.add_middleware(MetricsMiddleware)  # outermost: counts every answer, gzip included
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    app.openapi = lambda: errors.custom_openapi(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` with several workers (URL in GOVDESK_DB_URL)."""
    import os

    from server.db import DEFAULT_DB

    return create_app(os.environ.get("GOVDESK_DB_URL", DEFAULT_DB))
