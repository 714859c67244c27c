"""The stage machine of the 收文 workflow: which tasks a sign-off creates, when a stage
ends, what the next stage is, when the document is completed (办结).

Spec: docs/contracts.md "Workflow rules" (after the 2012 党政机关公文处理工作条例:
签收/登记 → 拟办 → 批示 → 承办/传阅 → 办结 → 归档).

Routing model:
- A *stage* is the set of tasks created together (tasks share `Task.stage`). Forwarded
  (转办) tasks join the stage of the task that forwarded them, so a stage only ends
  when the forwarded work is done too. Read tasks (传阅) never hold a stage up.
- When every non-cancelled, non-read task of a stage is done, the next stage is built
  from the stage's approvals: a propose approval's `forward_to` become instruct tasks
  (its `countersign_to`, an unsigned extra, countersign tasks); an instruct approval's
  `forward_to` become handle tasks and its `circulate_to` read tasks. A stage that
  leads to no further instruct/handle/countersign work completes the document.
- `return` gives the task's creator a new task of the kind of the step that created
  it (the registering clerk gets `propose` for a first-stage task) in the same stage,
  and cancels the pending tasks that step created alongside the returned one (the
  return supersedes them); other branches of the stage carry on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from server import clock
from server.models import Opinion, Task
from server.workflow.common import _GATING_KINDS, _Changes, new_id


def follow_decision(ch: _Changes, task: Task, *, decision: str, forward_to: Sequence[str],
                    signer_id: str, opinion_id: str | None = None) -> None:
    """Move the workflow on after `task` was signed with `decision` (see the module
    docstring): 转办 adds same-kind tasks to the task's stage, 退回 gives the step back,
    any other decision may end the stage (a 传阅 read never does). Tasks created here
    carry `opinion_id` as their origin (what a 撤回 of that sign-off cancels)."""
    if decision == "forward":
        for target in dict.fromkeys(forward_to):
            _new_task(ch, assignee_id=target, kind=task.kind, stage=task.stage,
                      parent=task, created_by=signer_id, due_at=task.due_at,
                      origin=opinion_id)
    elif decision == "return":
        _return_task(ch, task, opinion_id)
    elif task.kind != "read":
        _advance_if_stage_done(ch, ch.document.id, task.stage, origin=opinion_id)


def _new_task(
    ch: _Changes, *, assignee_id: str, kind: str, stage: int, parent: Task | None,
    created_by: str, due_at: datetime | None, origin: str | None = None,
) -> Task:
    now = clock.now()
    task = Task.create(
        id=new_id(), document=ch.document.id, assignee=assignee_id, kind=kind, stage=stage,
        parent_task_id=parent.id if parent else None, due_at=due_at, created_by=created_by,
        created_at=now, updated_at=now, origin_opinion_id=origin,
    )
    ch.tasks[task.id] = task
    return task


def _next_stage(document_id: str) -> int:
    highest = Task.select(Task.stage).where(Task.document == document_id).order_by(
        Task.stage.desc()
    ).limit(1).scalar()
    return int(highest or 0) + 1


def _return_task(ch: _Changes, task: Task, opinion_id: str | None = None) -> None:
    """退回: the creator gets the step that created this task back, in the same stage (so
    the stage waits for the redone step). Pending tasks the same step created alongside
    this one are superseded by the return and cancelled; other branches carry on."""
    for sibling in Task.select().where(
        Task.document == task.document_id, Task.stage == task.stage,
        Task.status == "pending", Task.kind.in_(_GATING_KINDS), Task.id != task.id,
        (Task.parent_task_id.is_null() if task.parent_task_id is None
         else Task.parent_task_id == task.parent_task_id),
    ):
        sibling.status = "cancelled"
        sibling.completed_at = clock.now()
        sibling.superseded_by_opinion_id = opinion_id
        sibling.cancelled_by = task.assignee_id  # the one who returned the step
        ch.touch_task(sibling)
    parent = Task.get_or_none(id=task.parent_task_id) if task.parent_task_id else None
    if parent is None:
        _new_task(ch, assignee_id=ch.document.registered_by, kind="propose", stage=task.stage,
                  parent=None, created_by=task.created_by, due_at=task.due_at,
                  origin=opinion_id)
    else:
        grandparent = Task.get_or_none(id=parent.parent_task_id) if parent.parent_task_id else None
        _new_task(ch, assignee_id=task.created_by, kind=parent.kind, stage=task.stage,
                  parent=grandparent, created_by=parent.created_by, due_at=parent.due_at,
                  origin=opinion_id)


def _advance_if_stage_done(ch: _Changes, document_id: str, stage: int, *,
                           origin: str | None = None) -> None:
    """When no gating task of the stage is pending, build the next stage from its approvals
    (see the module docstring), or complete the document when there is nothing left.
    `origin`: the opinion whose sign-off closed the stage (the new tasks' origin).
    Recalled (撤回) opinions no longer count."""
    gating = list(Task.select().where(
        Task.document == document_id, Task.stage == stage, Task.kind.in_(_GATING_KINDS)
    ))
    if any(t.status == "pending" for t in gating):
        return
    gating = [t for t in gating if t.status == "done"]
    done_ids = [t.id for t in gating]
    if not done_ids:
        return
    by_task = {t.id: t for t in gating}
    approvals = list(
        Opinion.select().where(Opinion.task.in_(done_ids), Opinion.decision == "approve",
                               Opinion.recalled_at.is_null())
        .order_by(Opinion.signed_at, Opinion.id)
    )
    # user id -> (kind, creating task); first naming approval wins, instruct over countersign.
    plan: dict[str, tuple[str, Task]] = {}
    reads: dict[str, Task] = {}
    for op in approvals:
        source = by_task[op.task_id]
        routing = op.routing or {}
        if source.kind == "propose":
            for uid in op.forward_to or []:
                if uid not in plan or plan[uid][0] == "countersign":
                    plan[uid] = ("instruct", source)
            for uid in routing.get("countersign_to", []):
                plan.setdefault(uid, ("countersign", source))
        elif source.kind == "instruct":
            for uid in op.forward_to or []:
                plan.setdefault(uid, ("handle", source))
            for uid in routing.get("circulate_to", []):
                reads.setdefault(uid, source)
    next_stage = _next_stage(document_id) if plan or reads else None
    for uid, (kind, source) in plan.items():
        _new_task(ch, assignee_id=uid, kind=kind, stage=next_stage, parent=source,
                  created_by=source.assignee_id, due_at=source.due_at, origin=origin)
    for uid, source in reads.items():
        _new_task(ch, assignee_id=uid, kind="read", stage=next_stage, parent=source,
                  created_by=source.assignee_id, due_at=None, origin=origin)
    if not plan and ch.document.status not in ("completed", "archived"):
        ch.document.status = "completed"  # 办结
        ch.doc_changed = True
