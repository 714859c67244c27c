"""Text of document bodies, for full-text search of what a document says.

Bodies arrive as blobs (PDF or plain text). Once a body is on disk its text is extracted
and indexed, so 正文 words are found offline as well as titles and 文号. Extraction is
best effort: a damaged or image-only PDF yields no text and is not retried.

A PDF comes from whoever sent the 收文 and is untrusted (issue 13, High 3): its text is
read in a child process (client/pdftext_worker.py) with CPU-time, memory and output
limits and a wall-clock timeout, never inside the sync. Indexing runs after a sync (the
sync manager's `BodyIndexer`, or the CLI after `sync`); a body that fails or times out
is recorded (local audit log `body_text.failed`) and marked done, so it is never
retried in a loop.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Limits:
    """What reading one PDF may cost (the child's rlimits and the parent's timeout)."""

    cpu_seconds: int = 10
    memory_mb: int = 768
    wall_seconds: float = 30.0
    max_output_bytes: int = MAX_CHARS * 4 + 1024  # UTF-8 of MAX_CHARS characters


DEFAULT_LIMITS = Limits()


class ExtractionFailed(Exception):
    """The child gave no text: `reason` is timeout, limit, crash or output."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _worker_command(limits: Limits) -> list[str]:
    args = ["--pdf-text-worker", str(limits.cpu_seconds), str(limits.memory_mb)]
    if getattr(sys, "frozen", False):  # the bundled app: itself, with the worker flag
        return [sys.executable, *args]
    return [sys.executable, "-m", "client.pdftext_worker", *args[1:]]


def pdf_text_isolated(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """The PDF's text from a limited child process; ExtractionFailed when it gives none."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    try:
        proc = subprocess.run(_worker_command(limits), input=data, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=limits.wall_seconds,
                              env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ExtractionFailed("timeout", f"no answer in {limits.wall_seconds:g} s") from exc
    except OSError as exc:
        raise ExtractionFailed("crash", str(exc)) from exc
    if proc.returncode != 0:
        # SIGXCPU/SIGKILL on the CPU limit, MemoryError on the address-space limit.
        reason = "limit" if proc.returncode < 0 or proc.returncode in (1, 137, 152) else "crash"
        raise ExtractionFailed(reason, f"exit status {proc.returncode}")
    if len(proc.stdout) > limits.max_output_bytes:
        raise ExtractionFailed("output", f"{len(proc.stdout)} bytes")
    return proc.stdout.decode("utf-8", errors="replace")


def pdf_text_in_process(data: bytes) -> str:
    """pypdf in this process: only for a trusted PDF (benchmarks, the worker itself)."""
    from client.pdftext_worker import pdf_text

    return pdf_text(data)


def _plain_text(data: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def extract_text_checked(data: bytes, media_type: str, limits: Limits = DEFAULT_LIMITS
                         ) -> str:
    """Searchable text of a body (empty when it has none we can read); ExtractionFailed
    when reading a PDF hit a limit or crashed."""
    kind = (media_type or "").split(";")[0].strip().lower()
    if kind == "application/pdf" or data[:5] == b"%PDF-":
        raw = pdf_text_isolated(data, limits)
    elif kind.startswith("text/"):
        raw = _plain_text(data)
    else:
        raw = ""
    return normalise(raw)


def extract_text(data: bytes, media_type: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Searchable text of a body; empty when it has none we can read (or reading failed)."""
    try:
        return extract_text_checked(data, media_type, limits)
    except ExtractionFailed as exc:
        log.warning("no text from a body: %s", exc)
        return ""


FAILED = "body_text.failed"  # local audit action: a body whose text could not be read


def index_downloaded_bodies(store: BlobStore, *, limit: int = 200,
                            limits: Limits = DEFAULT_LIMITS,
                            should_stop: Callable[[], bool] = lambda: False) -> int:
    """Extract and index the bodies on disk whose text is not indexed yet; returns how many.

    Each body is tried once: a failure is recorded and the body marked done (empty text),
    so a hostile PDF costs one child's limits, once."""
    from client.services import audit
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
    found: list[tuple[str, str, str]] = list(rows)
    for document_id, sha, media_type in found:
        if should_stop():
            break
        try:
            data = store.open_bytes(sha)
        except StorageError:
            continue  # damaged or evicted: fetched again later, indexed then
        try:
            text = extract_text_checked(data, media_type, limits)
        except ExtractionFailed as exc:
            log.warning("body %s of document %s: no text (%s)", sha[:12], document_id, exc)
            with models.database_proxy.obj.atomic():
                audit.record(FAILED, obj=sha, detail={"document_id": document_id,
                                                      "reason": exc.reason})
                set_body_text(document_id, "")
            done += 1
            continue
        set_body_text(document_id, text)
        done += 1
    return done
