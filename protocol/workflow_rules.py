"""Workflow rules of 收文 sign-off, written once for the client and the platform.

For each task kind: the decisions it allows; for each (kind, decision): whether each
list of recipients (`forward_to`, the unsigned extras `circulate_to` and
`countersign_to`) is required, optional or forbidden, and whether the opinion text is
required. The sign-off panel offers exactly this, the client service checks exactly
this, the platform accepts exactly this (tests/parity/ compares the three).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

TASK_KINDS: Final = ("propose", "instruct", "countersign", "handle", "read")
# Kinds whose completion gates the next stage (传阅 reads never block it).
GATING_KINDS: Final = ("propose", "instruct", "countersign", "handle")
RECIPIENT_FIELDS: Final = ("forward_to", "circulate_to", "countersign_to")
MAX_OPINION_TEXT: Final = 4000
MAX_RECIPIENTS: Final = 200      # users one sign-off may name in one list


class Need(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class DecisionRule:
    kind: str
    decision: str
    forward_to: Need = Need.FORBIDDEN
    circulate_to: Need = Need.FORBIDDEN
    countersign_to: Need = Need.FORBIDDEN
    text_required: bool = False

    def need(self, field: str) -> Need:
        if field not in RECIPIENT_FIELDS:
            raise KeyError(field)
        need: Need = getattr(self, field)
        return need


_R, _O = Need.REQUIRED, Need.OPTIONAL

# One row per allowed (kind, decision). A 退回 always takes a reason.
_RULES: Final = (
    DecisionRule("propose", "approve", forward_to=_R, countersign_to=_O),   # 拟办 → 批示
    DecisionRule("propose", "return", text_required=True),
    DecisionRule("propose", "forward", forward_to=_R),
    DecisionRule("instruct", "approve", forward_to=_O, circulate_to=_O),     # 批示 → 承办/传阅
    DecisionRule("instruct", "return", text_required=True),
    DecisionRule("instruct", "forward", forward_to=_R),
    DecisionRule("countersign", "approve"),                                  # 会签
    DecisionRule("countersign", "return", text_required=True),
    DecisionRule("handle", "done"),                                          # 承办
    DecisionRule("handle", "return", text_required=True),
    DecisionRule("handle", "forward", forward_to=_R),
    DecisionRule("read", "read"),                                            # 传阅
)

RULES: Final[Mapping[tuple[str, str], DecisionRule]] = {(r.kind, r.decision): r for r in _RULES}

DECISIONS: Final[Mapping[str, tuple[str, ...]]] = {
    kind: tuple(r.decision for r in _RULES if r.kind == kind) for kind in TASK_KINDS
}


def allowed_decisions(kind: str) -> tuple[str, ...]:
    return DECISIONS.get(kind, ())


def rule_for(kind: str, decision: str) -> DecisionRule | None:
    return RULES.get((kind, decision))


@dataclass(frozen=True)
class RuleViolation:
    """Why a sign-off breaks the rules: an error code (protocol.errors) and its field."""

    code: str
    field: str | None = None


def check_signoff(*, kind: str, decision: str, text: str, signer_id: str,
                  recipients: Mapping[str, Sequence[str]]) -> RuleViolation | None:
    """The first rule a sign-off breaks, or None. Both sides call this one function."""
    rule = rule_for(kind, decision)
    if rule is None:
        return RuleViolation("task.decision_not_allowed", "decision")
    for name in RECIPIENT_FIELDS:
        chosen = recipients.get(name) or ()
        need = rule.need(name)
        if need is Need.REQUIRED and not chosen:
            return RuleViolation("task.forward_required", name)
        if need is Need.FORBIDDEN and chosen:
            return RuleViolation("task.decision_not_allowed", name)
    if decision == "forward" and signer_id in (recipients.get("forward_to") or ()):
        return RuleViolation("task.forward_to_self", "forward_to")
    if rule.text_required and not (text or "").strip():
        return RuleViolation("opinion.reason_required", "text")
    if len(text or "") > MAX_OPINION_TEXT:
        return RuleViolation("opinion.too_long", "text")
    return None


# --- 撤回 (recall) of a sign-off --------------------------------------------------------
# Who: only the author of the opinion (who is the task's assignee).
# When: the opinion is not recalled yet, the document is not archived, and none of the
# sign-off's *next steps* has *started*:
# - next steps of a sign-off on task T (stage s): the tasks its transaction created
#   (their `origin_opinion_id` is the opinion: 转办 targets, the step a 退回 gave back,
#   the next stage it opened) and, when T gates its stage (not a 传阅 read), every task
#   of a later stage (a later stage exists only because T's stage closed, so it hangs
#   on T's sign-off even when another task's sign-off opened it);
# - a step has started once it is neither pending nor cancelled: someone signed it
#   (同意/退回/转办/已阅/办结). Opening or reading the document does not count: read
#   receipts are kept once per person and document, not per step.
RECALL_ARCHIVED_STATUSES: Final = ("archived",)
UNSTARTED_TASK_STATUSES: Final = ("pending", "cancelled")


@dataclass(frozen=True)
class StepView:
    """A task as the recall rule sees it (platform row or client cache alike)."""

    id: str
    kind: str
    status: str
    stage: int
    origin_opinion_id: str | None = None


def step_started(step: StepView) -> bool:
    return step.status not in UNSTARTED_TASK_STATUSES


def recall_next_steps(signed: StepView, opinion_id: str,
                      tasks: Sequence[StepView]) -> list[StepView]:
    """The next steps of the sign-off `opinion_id` on task `signed` (see above)."""
    gates = signed.kind in GATING_KINDS
    return [t for t in tasks if t.id != signed.id and (
        t.origin_opinion_id == opinion_id or (gates and t.stage > signed.stage))]


def check_recall(*, caller_id: str, author_id: str, recalled: bool, document_status: str,
                 next_steps: Sequence[StepView]) -> RuleViolation | None:
    """Why the sign-off may not be recalled now, or None. Both sides call this."""
    if caller_id != author_id:
        return RuleViolation("task.recall_not_author")
    if recalled:
        return RuleViolation("task.recall_already")
    if document_status in RECALL_ARCHIVED_STATUSES:
        return RuleViolation("task.recall_document_closed")
    if any(step_started(t) for t in next_steps):
        return RuleViolation("task.recall_too_late")
    return None
