"""The body of a county's own document (发文正文): paragraphs and the four heading levels.

A body is `{"v": 1, "blocks": [{"kind", "text"}, ...]}`; `kind` is `p` (a paragraph,
first line indented two characters when laid out) or a heading level `h1`..`h4`. The
heading numbers of official documents are not typed: they follow from the order, as
GB/T 9704-2012 7.3.3 writes them — 一、 （一） 1. （1） — and a higher heading restarts
the lower levels. The editor, the review diff, the platform's PDF and the digest a
签发 signs all read the body through these functions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from protocol.canonical import canonical_json, sha256_hex

BODY_VERSION: Final = 1
BLOCK_KINDS: Final = ("p", "h1", "h2", "h3", "h4")
HEADING_KINDS: Final = ("h1", "h2", "h3", "h4")
MAX_BLOCKS: Final = 2000
MAX_BLOCK_TEXT: Final = 5000
MAX_BODY_TEXT: Final = 200_000

_DIGITS: Final = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (headings rarely pass 99)."""
    if n <= 0:
        raise ValueError("heading numbers start at 1")
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


def heading_label(kind: str, n: int) -> str:
    """The number a heading of `kind` shows as its `n`-th at its level."""
    if kind == "h1":
        return f"{chinese_number(n)}、"
    if kind == "h2":
        return f"（{chinese_number(n)}）"
    if kind == "h3":
        return f"{n}."
    if kind == "h4":
        return f"（{n}）"
    raise ValueError(f"not a heading kind: {kind}")


def block_labels(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each block's heading number ("" for a paragraph), in order."""
    counters = [0, 0, 0, 0]
    labels = []
    for block in blocks:
        kind = block.get("kind")
        if kind in HEADING_KINDS:
            level = HEADING_KINDS.index(kind)
            counters[level] += 1
            for lower in range(level + 1, 4):
                counters[lower] = 0
            labels.append(heading_label(kind, counters[level]))
        else:
            labels.append("")
    return labels


def numbered_lines(body: Mapping[str, Any]) -> list[str]:
    """The body as the reader sees it: one line per block, headings with their numbers."""
    blocks = list(body.get("blocks") or ())
    return [label + str(b.get("text", "")) for label, b in zip(block_labels(blocks), blocks,
                                                                 strict=True)]


def plain_text(body: Mapping[str, Any]) -> str:
    """Numbered lines joined by newlines (for search, and a text preview)."""
    return "\n".join(numbered_lines(body))


def normalise(body: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical form: only `v` and each block's `kind` and `text`."""
    return {"v": BODY_VERSION,
            "blocks": [{"kind": str(b["kind"]), "text": str(b["text"])}
                       for b in body.get("blocks") or ()]}


def body_sha256(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the normalised body: a version's hash."""
    return sha256_hex(canonical_json(normalise(body)))


def from_paragraphs(paragraphs: Iterable[str]) -> dict[str, Any]:
    """A body of plain paragraphs (a convenience for imports, tests and the demo)."""
    return {"v": BODY_VERSION, "blocks": [{"kind": "p", "text": p} for p in paragraphs]}


def check_body(body: Any) -> str | None:
    """The error code (protocol.errors) of the first thing wrong with `body`, or None."""
    if not isinstance(body, Mapping) or body.get("v") != BODY_VERSION:
        return "body.invalid"
    blocks = body.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return "body.empty"
    if len(blocks) > MAX_BLOCKS:
        return "body.too_long"
    total = 0
    for block in blocks:
        if not isinstance(block, Mapping) or block.get("kind") not in BLOCK_KINDS:
            return "body.invalid"
        text = block.get("text")
        if not isinstance(text, str) or "\x00" in text or "\n" in text:
            return "body.invalid"
        if len(text) > MAX_BLOCK_TEXT:
            return "body.too_long"
        total += len(text)
    if total > MAX_BODY_TEXT:
        return "body.too_long"
    if not any(str(b["text"]).strip() for b in blocks):
        return "body.empty"
    return None


@dataclass(frozen=True)
class DiffLine:
    """One line of a version diff: `tag` is " " (same), "-" (only in the old), "+" (new)."""

    tag: str
    text: str


def diff_bodies(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[DiffLine]:
    """Line diff of two versions as the reader sees them (numbers included: a heading
    inserted above renumbers the ones below, and the reviewer should see that)."""
    a, b = numbered_lines(old), numbered_lines(new)
    out: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(DiffLine(" ", line) for line in a[i1:i2])
            continue
        out.extend(DiffLine("-", line) for line in a[i1:i2])
        out.extend(DiffLine("+", line) for line in b[j1:j2])
    return out
