"""`POST /api/v1/blobs/batch`: many small blobs in one answer (docs/protocol.md "The township link").

On a 300 ms line a first sync's 28 small files cost seven round trips even four at a
time; in one answer they cost one. The answer is a sequence of frames, one per sha256
asked for, in the order asked:

    {"sha256": ..., "status": 200, "media_type": ..., "size": N, "encoding": "gzip" | "identity",
     "length": L}\\n<L bytes>
    {"sha256": ..., "status": 404}\\n                  (not there, or not yours to read)
    {"sha256": ..., "status": 413}\\n                  (over the answer's byte budget: GET it)

`size` is the blob's own size; `length` the bytes that follow (gzip only for textual
media types when the request accepts gzip, never for PDFs). The client checks each
blob's SHA-256 as for a single GET.
"""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic import Field

from protocol.wire.common import RequestModel

MEDIA_TYPE: Final = "application/x-govdesk-blob-batch"
MAX_ITEMS: Final = 100
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024  # raw bytes served per answer; the rest get 413


class BlobBatchRequest(RequestModel):
    sha256: list[str] = Field(min_length=1, max_length=MAX_ITEMS)


def frame_header(**fields: Any) -> bytes:
    return json.dumps(fields, separators=(",", ":")).encode() + b"\n"
