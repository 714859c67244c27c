"""Workflow rules shared by the client and the reference platform (pure Python, no Qt).

The decisions each task kind allows (docs/contracts.md "Workflow rules"): the client
offers exactly these buttons and the platform accepts exactly these, so they live once.
"""

from __future__ import annotations

DECISIONS: dict[str, tuple[str, ...]] = {
    "propose": ("approve", "return", "forward"),      # 拟办
    "instruct": ("approve", "return", "forward"),     # 批示
    "countersign": ("approve", "return"),             # 会签
    "handle": ("done", "return", "forward"),          # 承办
    "read": ("read",),                                # 传阅
}
