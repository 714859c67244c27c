"""The child process that reads the text of one untrusted PDF (issue 13, High 3).

    python -m client.pdftext_worker CPU_SECONDS MEMORY_MB  < body.pdf  > text
    (the bundled app: GovDesk --pdf-text-worker CPU_SECONDS MEMORY_MB)

A hostile PDF (one form XObject drawn half a million times) can keep pypdf busy for
days or fill the memory. Here it can only hurt this process: before the PDF is even
read, POSIX resource limits cap its CPU time and address space and forbid writing
files; the parent (client/bodytext.py) adds a wall-clock timeout (the only limit on
Windows) and caps what it reads back. The text goes to stdout as UTF-8, at most
`MAX_CHARS` characters. It imports nothing of the client but this module (start-up
is most of its cost on an honest PDF).
"""

from __future__ import annotations

import io
import sys

MAX_PAGES = 40
MAX_CHARS = 30_000  # client/bodytext.py keeps the same


def _limit(cpu_seconds: int, memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's timeout is the limit
        return
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no files: stdout is a pipe


def pdf_text(data: bytes) -> str:
    """pypdf's text of the first MAX_PAGES pages; empty for a PDF it cannot read."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        parts: list[str] = []
        for page in reader.pages[:MAX_PAGES]:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > MAX_CHARS:
                break
        return "\n".join(parts)
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return ""


def main(argv: list[str]) -> int:
    cpu_seconds, memory_mb = (int(argv[0]), int(argv[1])) if len(argv) >= 2 else (10, 512)
    data = sys.stdin.buffer.read()
    _limit(cpu_seconds, memory_mb)
    text = pdf_text(data)[:MAX_CHARS]
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
