"""Text of document bodies, for full-text search of what a document says.

Bodies arrive as blobs (PDF or plain text). Once a body is on disk its text is extracted
and indexed, so 正文 words are found offline as well as titles and 文号. Extraction is
best effort: a damaged or image-only PDF yields no text and is not retried.
"""

from __future__ import annotations

import io
import logging
import re

from client import models
from client.blobstore import BlobStore
from client.errors import StorageError

log = logging.getLogger(__name__)

MAX_PAGES = 40
MAX_CHARS = 30_000
# PDF lines break inside words; between two CJK characters a line break is no word gap.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def normalise(text: str) -> str:
    text = _CJK_GAP.sub("", text)
    text = _SPACES.sub(" ", text)
    return text.strip()[:MAX_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        parts = []
        for page in reader.pages[:MAX_PAGES]:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > MAX_CHARS:
                break
        return "\n".join(parts)
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        log.warning("could not read the text of a PDF body: %s", exc)
        return ""


def _plain_text(data: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def extract_text(data: bytes, media_type: str) -> str:
    """Searchable text of a body; empty when it has none we can read."""
    kind = (media_type or "").split(";")[0].strip().lower()
    if kind == "application/pdf" or data[:5] == b"%PDF-":
        raw = _pdf_text(data)
    elif kind.startswith("text/"):
        raw = _plain_text(data)
    else:
        raw = ""
    return normalise(raw)


def index_downloaded_bodies(store: BlobStore, *, limit: int = 200) -> int:
    """Extract and index the bodies on disk whose text is not indexed yet; returns how many."""
    from client.services.documents import set_body_text

    rows = (
        models.Document.select(models.Document.id, models.Document.body_sha256,
                               models.BlobEntry.media_type)
        .join(models.DocumentData, on=(models.DocumentData.pk == models.Document.pk))
        .switch(models.Document)
        .join(models.BlobEntry, on=(models.BlobEntry.sha256 == models.Document.body_sha256))
        .where(models.DocumentData.body_text.is_null(), models.BlobEntry.state == "present")
        .limit(limit)
        .tuples()
    )
    done = 0
    for document_id, sha, media_type in list(rows):
        try:
            data = store.open_bytes(sha)
        except StorageError:
            continue  # damaged or evicted: fetched again later, indexed then
        set_body_text(document_id, extract_text(data, media_type))
        done += 1
    return done
