"""Problem documents (RFC 9457) for every error the platform returns.

Raise `Problem(status, code, title, detail)` anywhere below a route (a code of the
shared catalogue, protocol.errors, takes the catalogue's English sentence as its title);
`install(app)` turns it, FastAPI's validation errors, malformed JSON, oversized bodies,
unknown routes and any unexpected exception into `application/problem+json` with a
stable dotted `code`.
`problem_responses(...)` gives the `responses=` entry that documents them in OpenAPI.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from protocol import errors as catalogue

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Body size limits: JSON requests and blob uploads (bytes).
MAX_JSON_BODY = 8 * 1024 * 1024
MAX_BLOB_BODY = 64 * 1024 * 1024


class Problem(Exception):
    """An error answered as a problem document; `code` is the stable key clients map."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail or title}")
        self.status = status
        self.code = code
        self.title = catalogue.title(code) or title
        self.detail = detail
        self.headers = headers or {}
        # Who/when/who-now of a conflict (server.conflicts), for an op's result only.
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }


class ProblemDocument(BaseModel):
    """OpenAPI schema of a problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str


def problem_response(problem: Problem) -> Response:
    body = json.dumps(problem.to_dict(), ensure_ascii=False).encode()
    return Response(
        body, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers
    )


_DESCRIPTIONS = {
    400: "Bad request (problem document)",
    401: "Not signed in or token expired (problem document)",
    403: "Forbidden (problem document)",
    404: "Not found (problem document)",
    409: "Conflict (problem document)",
    410: "Gone (problem document)",
    413: "Request body too large (problem document)",
    415: "Unsupported media type (problem document)",
    416: "Range not satisfiable (problem document)",
    422: "Invalid request (problem document)",
    429: "Too many attempts (problem document)",
    500: "Internal error (problem document)",
    503: "Service unavailable: try again after Retry-After (problem document)",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the given statuses plus 422 and 500, as problem documents.

    The schema is attached under `application/problem+json` by `custom_openapi`.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 422, 500}):
        out[status] = {"description": _DESCRIPTIONS.get(status, "Error (problem document)")}
    return out


class BodyTooLarge(HTTPException):
    """Raised while a body streams in past the limit.

    An HTTPException rather than a Problem because FastAPI re-raises HTTPExceptions met
    while reading a body but turns every other exception there into a bare 400.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _validation_detail(exc: RequestValidationError) -> tuple[str, str]:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            return "request.malformed_json", "request body is not valid JSON"
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "request.invalid", "; ".join(parts) or "invalid request"


_HTTP_CODES = {
    404: ("route.not_found", "Not found"),
    405: ("route.method_not_allowed", "Method not allowed"),
    400: ("request.invalid", "Bad request"),
    413: ("request.too_large", "Request body too large"),
}


RETRY_AFTER_DB_S = 5


def install(app: FastAPI) -> None:
    """Register the exception handlers and the body-size limit on `app`."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        code, detail = _validation_detail(exc)
        status = 400 if code == "request.malformed_json" else 422
        return problem_response(Problem(status, code, "Invalid request", detail))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, title = _HTTP_CODES.get(exc.status_code, (f"http.{exc.status_code}", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem_response(
            Problem(exc.status_code, code, title, detail, headers=dict(exc.headers or {}))
        )

    from server.db import UNAVAILABLE_ERRORS

    async def _db_unavailable(request: Request, exc: Exception) -> Response:
        from server import metrics

        metrics.count_db_error()
        # The database is down or restarting: no bug of ours, and no traceback per
        # request. The client retries after Retry-After; the connection is re-made
        # once the database is back (server.db.ReconnectingPostgres).
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return problem_response(Problem(503, "server.unavailable", "Service unavailable",
                                        "the platform's database is not available; "
                                        "try again shortly",
                                        headers={"Retry-After": str(RETRY_AFTER_DB_S)}))

    for error in UNAVAILABLE_ERRORS:
        app.add_exception_handler(error, _db_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # A 500 is a bug on our side: log it with the traceback, tell the client little.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            Problem(500, "server.internal_error", "Internal error", "see the platform log")
        )

    app.add_middleware(BodyLimitMiddleware)


class BodyLimitMiddleware:
    """Refuse bodies above the limit: by Content-Length at once, else while streaming."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_BLOB_BODY if scope["path"].startswith("/api/v1/blobs/") else MAX_JSON_BODY
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    problem = Problem(
                        413, "request.too_large", "Request body too large",
                        f"request body larger than {limit} bytes",
                    )
                    await problem_response(problem)(scope, receive, send)
                    return
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def custom_openapi(app: FastAPI) -> dict[str, Any]:
    """OpenAPI with every 4xx/5xx response typed as a problem document."""
    from fastapi.openapi.utils import get_openapi

    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDocument"] = ProblemDocument.model_json_schema()
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    ref = {"$ref": "#/components/schemas/ProblemDocument"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status)[0] in "45":
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
    app.openapi_schema = schema
    return schema
