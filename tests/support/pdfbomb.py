"""A small PDF that is very expensive to read (issue 13, High 3), built by the tests.

One form XObject holds a large content stream (`xobject_kb` of text operators, which
compresses to almost nothing) and the page draws it `repeats` times: text extraction
re-interprets the form at every `Do`, so the cost grows with repeats x size while the
file stays a few kilobytes.
"""

from __future__ import annotations

import zlib


def pdf_bomb(repeats: int = 2000, xobject_kb: int = 512) -> bytes:
    line = b"BT /F1 9 Tf 10 10 Td (GovDesk body text) Tj ET\n"
    form = line * (xobject_kb * 1024 // len(line))
    page = b"q /X0 Do Q\n" * repeats
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /X0 5 0 R >> /Font << /F1 6 0 R >> >> >>",
        _stream(b"", page),
        _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                b"/Resources << /Font << /F1 6 0 R >> >> ", form),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def _stream(extra: bytes, data: bytes) -> bytes:
    packed = zlib.compress(data, 9)
    return (b"<< " + extra + b"/Filter /FlateDecode /Length " + str(len(packed)).encode()
            + b" >>\nstream\n" + packed + b"\nendstream")
