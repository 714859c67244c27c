"""Rules of 发文 (a unit's own documents) and 公文交换, written once for client and platform.

After the 2012 党政机关公文处理工作条例: chapter 5 拟制 (起草 → 审核 → 签发) and chapter 6
发文办理 (复核 → 登记/编号 → 印制/用印 → 核发) and, at the receiving end, 签收 or 拒收.

Status of an `outgoing` (发文) record, in order:
    reviewing      核稿: the office head named as reviewer checks the draft
    countersigning 会签: the named leaders of other units, in parallel
    signing        签发: the named leader signs it for issue
    signed         签发 given; the clerk of the drafting unit numbers it
    numbered       has its 发文字号; the clerk seals it
    sealed         用印 done; the clerk issues it
    issued         核发: deliveries made to every 主送 and 抄送 unit
    revising       returned (退回) to the drafter, who revises and resubmits
    cancelled      withdrawn; a number it held is recorded as a gap, never reused
A draft that was never submitted lives only on the drafter's PC (it is not synced).

Steps (`outgoing_step`) and the decisions each allows; every 退回 takes a reason, and a
signed step (review, countersign, sign) signs the digest of the exact version on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

# The 15 kinds of the 2012 regulation (命令 and 令 are one kind written either way).
DOC_TYPES: Final = (
    "决议", "决定", "命令", "令", "公报", "公告", "通告", "意见", "通知", "通报",
    "报告", "请示", "批复", "议案", "函", "纪要",
)
# 上行文: their 版头 shows 签发人, and they go up to a higher unit.
UPWARD_TYPES: Final = ("请示", "报告")
# Only unclassified and internal documents travel on this network (the regulation's
# 涉密 documents never do).
SENDABLE_CLASSIFICATIONS: Final = ("none", "internal")
URGENCIES: Final = ("normal", "urgent", "very_urgent")

STATUSES: Final = ("reviewing", "countersigning", "signing", "signed", "numbered",
                   "sealed", "issued", "revising", "cancelled")
# Statuses in which the route is still open (a step may be pending).
ROUTE_STATUSES: Final = ("reviewing", "countersigning", "signing", "revising")

# Who may be named on a route (the platform refuses others: routing.unknown_user).
SIGNATORY_ROLES: Final = ("leader",)                 # 签发人
COUNTERSIGNER_ROLES: Final = ("leader",)             # 会签
REVIEWER_ROLES: Final = ("reviewer", "leader")       # 核稿 (办公室主任)

STEP_KINDS: Final = ("review", "countersign", "sign", "revise")
STEP_STATUSES: Final = ("pending", "done", "returned", "cancelled")
SIGNED_STEP_KINDS: Final = ("review", "countersign", "sign")

MAX_TITLE: Final = 200
MAX_NOTES: Final = 1000
MAX_REASON: Final = 1000
MAX_RECIPIENT_UNITS: Final = 500
MAX_COUNTERSIGNERS: Final = 20


@dataclass(frozen=True)
class StepRule:
    kind: str
    decision: str
    text_required: bool = False
    body_allowed: bool = False   # the step may carry a new version of the body
    signed: bool = True


_RULES: Final = (
    StepRule("review", "approve", body_allowed=True),     # 核稿: edits become a new version
    StepRule("review", "return", text_required=True),
    StepRule("countersign", "approve"),
    StepRule("countersign", "return", text_required=True),
    StepRule("sign", "approve"),                          # 签发 (typically 同意印发)
    StepRule("sign", "return", text_required=True),
    StepRule("revise", "resubmit", body_allowed=True, signed=False),
)
STEP_RULES: Final[Mapping[tuple[str, str], StepRule]] = {(r.kind, r.decision): r for r in _RULES}
STEP_DECISIONS: Final[Mapping[str, tuple[str, ...]]] = {
    kind: tuple(r.decision for r in _RULES if r.kind == kind) for kind in STEP_KINDS}
DEFAULT_SIGN_TEXT: Final = "同意印发"


def step_rule(kind: str, decision: str) -> StepRule | None:
    return STEP_RULES.get((kind, decision))


def check_step(*, kind: str, decision: str, text: str, has_body: bool) -> str | None:
    """The error code of the first rule a step completion breaks, or None."""
    rule = step_rule(kind, decision)
    if rule is None:
        return "step.decision_not_allowed"
    if rule.text_required and not (text or "").strip():
        return "opinion.reason_required"
    if has_body and not rule.body_allowed:
        return "step.body_not_allowed"
    if len(text or "") > 4000:
        return "opinion.too_long"
    return None


def first_status(*, has_reviewer: bool, has_countersigners: bool) -> str:
    """Where a submitted (or resubmitted) draft goes first."""
    if has_reviewer:
        return "reviewing"
    return "countersigning" if has_countersigners else "signing"


def status_after_approval(status: str, *, has_countersigners: bool) -> str:
    """The status once every pending step of `status` is approved."""
    if status == "reviewing":
        return "countersigning" if has_countersigners else "signing"
    if status == "countersigning":
        return "signing"
    if status == "signing":
        return "signed"
    raise ValueError(f"no approval moves an outgoing document on from {status!r}")


# Clerk actions (复核/编号, 用印, 核发) and the status each needs.
CLERK_ACTIONS: Final[Mapping[str, str]] = {
    "number": "signed",
    "seal": "numbered",
    "issue": "sealed",
}
CLERK_RESULT: Final[Mapping[str, str]] = {"number": "numbered", "seal": "sealed", "issue": "issued"}
# Who may cancel: the drafter while the route is open, the unit's clerk until issued.
CANCELLABLE_STATUSES: Final = ROUTE_STATUSES + ("signed", "numbered", "sealed")


def delivery_roles(main_recipients: Sequence[Mapping[str, Any]],
                   cc: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The units 核发 delivers to, each once: unit id → main (主送) or cc (抄送); a unit in
    both is 主送. The platform makes one delivery each; the clerk's confirmation counts them."""
    roles: dict[str, str] = {}
    for role, groups in (("main", main_recipients), ("cc", cc)):
        for group in groups:
            for unit_id in group.get("unit_ids") or []:
                roles.setdefault(str(unit_id), role)  # 主送 wins over 抄送
    return roles


def format_doc_number(prefix: str, year: int, number: int) -> str:
    """富政发 2026 12 → 富政发〔2026〕12号 (GB/T 9704 7.2.4: 六角括号, no leading zeros)."""
    if not prefix or number <= 0:
        raise ValueError("a 发文字号 needs a prefix and a positive number")
    return f"{prefix}〔{year}〕{number}号"


# --- 公文交换 -------------------------------------------------------------------------

DELIVERY_STATUSES: Final = ("pending", "received", "refused")
# Hours a recipient's clerk has to 签收 before the sender sees the delivery as overdue.
RECEIVE_WITHIN_HOURS: Final[Mapping[str, int]] = {
    "very_urgent": 4, "urgent": 24, "normal": 72}


def receive_within_hours(urgency: str) -> int:
    return RECEIVE_WITHIN_HOURS.get(urgency, RECEIVE_WITHIN_HOURS["normal"])


def check_refusal(reason: str) -> str | None:
    """拒收 takes a reason (for example 非本单位来文)."""
    if not (reason or "").strip():
        return "opinion.reason_required"
    if len(reason) > MAX_REASON:
        return "opinion.too_long"
    return None
