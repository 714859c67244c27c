"""JSON in and out of the sync's hot paths, through pydantic-core (already a dependency).

A first sync decodes every page and encodes every object it stores: at 20,000 documents
the standard library spends ~0.45 s decoding and ~0.47 s encoding, pydantic-core ~0.36 s
and ~0.16 s, for the same values and the same text (compact, Chinese kept as is; a
float may be spelt otherwise, 1e-7 for 1e-07, and reads back as the same number).

Differences that matter, both on input a platform should never send:
- a lone surrogate escape ("\\ud800") is refused instead of decoded (it could not be
  stored as UTF-8 text anyway);
- nesting deeper than about 200 levels is refused with ValueError (json.loads raised
  RecursionError, which no caller expected);
- UTF-16 or UTF-32 bytes, and a UTF-8 byte-order mark, are refused (JSON between
  systems is UTF-8 without one, RFC 8259).
"""

from __future__ import annotations

from typing import Any

import pydantic_core


def loads(data: bytes | str) -> Any:
    """Decode JSON; ValueError if it is not valid JSON (or not UTF-8)."""
    return pydantic_core.from_json(data)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as is (as json.dumps with ensure_ascii=False and
    separators (",", ":"))."""
    return pydantic_core.to_json(value).decode()
