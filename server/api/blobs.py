"""GET/PUT /api/v1/blobs/{sha256} (PROTOCOL "Blobs"): content-addressed, resumable."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from protocol.wire import BlobStored, blob_batch
from server import blobs, uploads
from server.auth import Principal, current_user
from server.errors import MAX_BLOB_BODY, BodyTooLarge, Problem, problem_responses

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/blobs", tags=["blobs"])

CHUNK = 1024 * 1024
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_MEDIA_TYPE_RE = re.compile(r"^[\w.+-]+/[\w.+-]+(\s*;\s*[\w.+-]+=[\w.+\-\"]+)*$")
Sha256 = Path(pattern=r"^[0-9a-f]{64}$", description="lowercase hex SHA-256 of the bytes")


def _not_found(sha256: str) -> Problem:
    return Problem(404, "blob.not_found", "No such blob", f"blob {sha256} is not available to you")


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single satisfiable range; None: serve everything.

    Syntactically invalid or multi-part ranges are ignored (RFC 9110 allows it); a
    well-formed range that is unsatisfiable raises 416.
    """
    if not header:
        return None
    m = _RANGE_RE.match(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None  # invalid: ignored
    else:
        suffix = int(last)
        if suffix == 0:
            start, end = size, size - 1  # unsatisfiable
        else:
            start, end = max(0, size - suffix), size - 1
    if start >= size:
        raise Problem(416, "blob.range_not_satisfiable", "Range not satisfiable",
                      f"the blob has {size} bytes", headers={"Content-Range": f"bytes */{size}"})
    return start, end


GZIP_MIN_BYTES = 256
_COMPRESSIBLE = ("text/", "application/json", "application/xml", "image/svg+xml")


def _compressible(media_type: str) -> bool:
    return media_type.lower().startswith(_COMPRESSIBLE)


def _gzip_worth_it(media_type: str, length: int, accept_encoding: str | None) -> bool:
    if length < GZIP_MIN_BYTES or not _compressible(media_type):
        return False
    codings = [c.split(";")[0].strip().lower() for c in (accept_encoding or "").split(",")]
    return "gzip" in codings


def _stream(sha256: str, start: int, end: int) -> Iterator[bytes]:
    pos = start
    while pos <= end:
        n = min(CHUNK, end + 1 - pos)
        yield blobs.read_range(sha256, pos, n)
        pos += n


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={
        200: {"description": "The blob's bytes", "content": {"application/octet-stream": {}}},
        206: {"description": "The requested range", "content": {"application/octet-stream": {}}},
        304: {"description": "Not modified (If-None-Match matched)"},
        **problem_responses(401, 403, 404, 416),
    },
)
def get_blob(
    sha256: str = Sha256,
    range_header: str | None = Header(default=None, alias="Range"),
    if_range: str | None = Header(default=None, alias="If-Range"),
    if_none_match: str | None = Header(default=None, alias="If-None-Match"),
    accept_encoding: str | None = Header(default=None, alias="Accept-Encoding"),
    principal: Principal = Depends(current_user),
) -> Response:
    info = blobs.readable_info(principal.user.id, sha256)
    if info is None:  # absent or forbidden: one answer, the same work (finding 15)
        raise _not_found(sha256)
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=31536000, immutable"}
    if if_none_match and (if_none_match.strip() == "*" or etag in if_none_match or sha256 in if_none_match):
        return Response(status_code=304, headers=headers)
    byte_range = None
    if if_range is None or if_range.strip().strip('"') == sha256:
        byte_range = _parse_range(range_header, info.size)
    if byte_range is None:
        start, end, status = 0, info.size - 1, 200
    else:
        (start, end), status = byte_range, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    length = end + 1 - start
    headers["Content-Length"] = str(length)
    if length <= CHUNK:
        data = blobs.read_range(sha256, start, length) if length else b""
        if byte_range is None and _gzip_worth_it(info.media_type, length, accept_encoding):
            # Text bodies compress 3-5×; only whole answers (a Range counts raw bytes) and
            # never PDFs or images, which are compressed already.
            data = gzip.compress(data, compresslevel=6, mtime=0)
            headers.update({"Content-Encoding": "gzip", "Content-Length": str(len(data)),
                            "ETag": f'"{sha256}-gzip"'})
        if _compressible(info.media_type):
            headers["Vary"] = "Accept-Encoding"
        return Response(data, status_code=status, media_type=info.media_type, headers=headers)
    return StreamingResponse(_stream(sha256, start, end), status_code=status,
                             media_type=info.media_type, headers=headers)


@router.put(
    "/{sha256}",
    response_model=BlobStored,
    status_code=201,
    responses=problem_responses(400, 401, 403, 413, 429, 503),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def put_blob(
    request: Request,
    sha256: str = Sha256,
    principal: Principal = Depends(current_user),
) -> Response:
    """Spooled to a temporary file while hashed (server/uploads.py), then copied into the
    database in chunks: a body is never held whole in memory (issue 13, finding 14)."""
    media_type = (request.headers.get("content-type") or "application/octet-stream").strip()
    if len(media_type) > 200 or not _MEDIA_TYPE_RE.match(media_type):
        media_type = "application/octet-stream"
    declared = _content_length(request)
    if declared is not None and declared > MAX_BLOB_BODY:
        raise BodyTooLarge(MAX_BLOB_BODY)
    reservation = await run_in_threadpool(uploads.reserve, principal.user.id, declared)
    stored = 0
    spool: uploads.Spool | None = None
    try:
        spool = await run_in_threadpool(uploads.Spool)
        pending = bytearray()
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_BLOB_BODY:
                raise BodyTooLarge(MAX_BLOB_BODY)
            if reservation.allowance is not None and received > reservation.allowance:
                raise uploads.quota_problem(None, None)  # a body longer than declared
            pending += chunk
            if len(pending) >= CHUNK:  # to the file in a worker thread, a MB at a time
                await run_in_threadpool(spool.write, pending)
                pending = bytearray()
        if pending:
            await run_in_threadpool(spool.write, pending)
        digest = await run_in_threadpool(spool.finish)
        if digest != sha256:
            raise Problem(400, "blob.hash_mismatch", "Hash mismatch",
                          f"the body's sha256 is {digest}, not {sha256}")
        await asyncio.get_running_loop().run_in_executor(
            blobs.store_executor(), blobs.store_blob_file, spool.path, sha256, spool.size,
            media_type, principal.user.id)
        stored = spool.size
    except OSError as exc:  # the spool directory is missing, not writable, or full
        log.error("cannot spool an upload in %s: %s", uploads.spool_dir(), exc)
        raise Problem(503, "server.unavailable", "Service unavailable",
                      "the platform cannot store uploads now; try again later",
                      headers={"Retry-After": "60"}) from None
    except ClientDisconnect:
        log.info("upload of blob %s by %s ended before its body was complete", sha256,
                 principal.user.id)
        raise Problem(400, "request.invalid", "Incomplete upload",
                      "the connection ended before the body was complete") from None
    finally:
        if spool is not None:
            spool.discard()  # not in a thread: it must run even if this task is cancelled
        await run_in_threadpool(uploads.settle, reservation, stored)
    # The same answer whether the platform held these bytes already or not: 201 with
    # what the caller sent (issue 13, finding 15: 200/201 told who else had the file).
    body = BlobStored(sha256=sha256, size=stored, media_type=media_type)
    return Response(body.model_dump_json(), status_code=201, media_type="application/json")


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw)


@router.post(
    "/batch",
    response_class=Response,
    responses={200: {"description": "One frame per blob asked for (protocol/wire/blob_batch.py)",
                     "content": {blob_batch.MEDIA_TYPE: {}}},
               **problem_responses(400, 401, 422)},
)
def get_blob_batch(
    body: blob_batch.BlobBatchRequest,
    accept_encoding: str | None = Header(default=None, alias="Accept-Encoding"),
    principal: Principal = Depends(current_user),
) -> Response:
    """Many small blobs in one answer: one round trip instead of one per blob."""
    frames: list[bytes] = []
    served = 0
    for sha256 in body.sha256:
        if not _SHA_RE.match(sha256):
            raise Problem(400, "blob.invalid", "Not a SHA-256",
                          f"{sha256[:80]!r} is not a lowercase hex SHA-256")
        info = blobs.readable_info(principal.user.id, sha256)
        if info is None:
            frames.append(blob_batch.frame_header(sha256=sha256, status=404))
            continue
        if served + info.size > blob_batch.MAX_ANSWER_BYTES:  # big ones: GET with Range
            frames.append(blob_batch.frame_header(sha256=sha256, status=413))
            continue
        data = blobs.read_range(sha256, 0, info.size) if info.size else b""
        served += info.size
        encoding = "identity"
        if _gzip_worth_it(info.media_type, info.size, accept_encoding):
            data, encoding = gzip.compress(data, compresslevel=6, mtime=0), "gzip"
        frames.append(blob_batch.frame_header(sha256=sha256, status=200,
                                              media_type=info.media_type, size=info.size,
                                              encoding=encoding, length=len(data)))
        frames.append(data)
    return Response(b"".join(frames), media_type=blob_batch.MEDIA_TYPE)
