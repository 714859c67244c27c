"""Handwritten signatures for demo opinions: a cursive pen scribble drawn as a PNG.

The platform never imports Qt and Pillow is not a dependency, so this draws with plain
Python: a smooth Catmull-Rom path through jittered loops (one group per character of
the name, joined like running script), stamped with round nibs whose width follows the
pen's speed and tapers at both ends, anti-aliased by coverage, then written as an RGBA
PNG with zlib. Deterministic: the same name always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
import zlib

INK = (22, 28, 70)  # blue-black fountain-pen ink
WIDTH, HEIGHT = 360, 120


def _catmull_rom(points: list[tuple[float, float]], steps: int = 24) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    pts = [points[0], *points, points[-1]]
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(tuple(  # type: ignore[arg-type]
                0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                       + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3)
                for k in (0, 1)))
    out.append(points[-1])
    return out


def _strokes(name: str, rng: random.Random) -> list[list[tuple[float, float]]]:
    """Control points of the pen's strokes: per character a run of loops of varying height
    (a trochoid, the way running script joins strokes) with a downstroke now and then,
    the characters joined in one line climbing slightly, a detached dot here and there
    and a final flourish."""
    chars = max(2, len(name))
    cell = (WIDTH - 110) / chars
    main: list[tuple[float, float]] = []
    extra: list[list[tuple[float, float]]] = []
    x = 22.0
    for i in range(chars):
        base = HEIGHT * 0.66 - i * 5 + rng.uniform(-4, 4)
        loops = rng.randint(2, 3)
        advance = cell / (loops * 2 * math.pi)
        for loop in range(loops):
            height = rng.uniform(18, 44) * (1.15 if loop == 0 else 1.0)
            radius = advance * rng.uniform(1.6, 2.6)
            dip = rng.uniform(0, 12) if rng.random() < 0.4 else 0.0  # a descender
            for s in range(0, 25):
                t = 2 * math.pi * s / 24
                y = base - height * (1 - math.cos(t)) / 2 + dip * math.sin(t / 2) ** 8
                main.append((x + advance * t - radius * math.sin(t) + 0.38 * (base - y), y))
            x += advance * 2 * math.pi
            if rng.random() < 0.35:  # a downstroke (竖) through the line
                main.append((x + 2, base + rng.uniform(10, 22)))
                main.append((x + 5, base - 4))
        if rng.random() < 0.5:  # a detached dot or tick (点)
            cx, cy = x - cell * rng.uniform(0.3, 0.7), base - rng.uniform(40, 50)
            extra.append([(cx, cy), (cx + rng.uniform(5, 9), cy + rng.uniform(4, 8)),
                          (cx + rng.uniform(9, 12), cy + rng.uniform(6, 10))])
        x += rng.uniform(2, 8)
    last = main[-1]
    main += [(last[0] + 14, last[1] + 10), (last[0] + 34, last[1] + 4),
             (last[0] + 52, last[1] - 16)]  # the flourish
    return [main, *extra]


def signature_png(name: str) -> bytes:
    """A transparent PNG of a pen signature for `name` (the person's display name)."""
    rng = random.Random(hashlib.sha256(name.encode("utf-8")).digest())
    alpha = [0.0] * (WIDTH * HEIGHT)
    for control in _strokes(name, rng):
        path = _catmull_rom(control, 6)
        n = len(path)
        base = rng.uniform(1.5, 2.0)
        for i in range(n - 1):
            (x1, y1), (x2, y2) = path[i], path[i + 1]
            seg = math.hypot(x2 - x1, y2 - y1)
            taper = min(1.0, (i + 1) / 10, (n - i) / 14)
            speed = 1.0 / (1.0 + seg * 0.35)  # slow pen, more ink
            r_end = max(0.45, base * (0.45 + 0.75 * speed) * (0.35 + 0.65 * taper))
            for k in range(max(1, int(seg / 0.45))):
                t = k / max(1, int(seg / 0.45))
                _stamp(alpha, x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, r_end)
    return _png(alpha)


def _stamp(alpha: list[float], cx: float, cy: float, r: float) -> None:
    x0, x1 = max(0, int(cx - r - 1)), min(WIDTH - 1, int(cx + r + 1))
    y0, y1 = max(0, int(cy - r - 1)), min(HEIGHT - 1, int(cy + r + 1))
    for y in range(y0, y1 + 1):
        dy = y + 0.5 - cy
        row = y * WIDTH
        for x in range(x0, x1 + 1):
            cover = r + 0.5 - math.hypot(x + 0.5 - cx, dy)
            if cover > 0:
                cover = min(1.0, cover)
                if cover > alpha[row + x]:
                    alpha[row + x] = cover


def _png(alpha: list[float]) -> bytes:
    r, g, b = INK
    raw = bytearray()
    for y in range(HEIGHT):
        raw.append(0)  # filter: none
        for x in range(WIDTH):
            raw += bytes((r, g, b, int(alpha[y * WIDTH + x] * 235)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


__all__ = ["signature_png"]
