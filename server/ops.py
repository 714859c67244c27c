"""Operations pushed by clients (`POST /api/v1/ops`): registry and idempotent apply.

Modules register a handler per op type at import time:

    register_op("task.complete", handler)   # handler(user: User, data: dict) -> OpOutcome

A handler validates `data`, changes the domain tables, calls `feed.publish(...)` and
returns `OpOutcome("applied")`; or returns / raises for refusals:
- `OpOutcome("conflict", code, detail)` or `raise Problem(409, code, ...)`: the world
  moved on (task no longer pending ...);
- `OpOutcome("rejected", code, detail)` or `raise Problem(4xx, code, ...)`: never valid.
Whatever a handler changed is rolled back unless it returns "applied".

Each op runs in its own `write_tx()`, together with its `AppliedOp` record (the first
result and a hash of the canonical payload), so a replay answers "duplicate" with the
first result and no second effect, and a reused op_id with another payload is
"rejected" (`op.id_reused`). `current_device_id()` gives the caller's device inside a
handler, `current_op_id()` the op's id.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from server import metrics
from server.db import database, write_tx
from server.errors import Problem
from server.models import AppliedOp, User

log = logging.getLogger(__name__)

MAX_OPS = 100

Status = Literal["applied", "conflict", "rejected"]


@dataclass(frozen=True)
class OpOutcome:
    status: Status
    code: str | None = None
    detail: str | None = None
    # Who made the step go away, when, who holds it now (server.conflicts); refusals only.
    context: dict[str, Any] | None = None


Handler = Callable[[User, dict[str, Any]], OpOutcome]

_handlers: dict[str, Handler] = {}
_device_id: contextvars.ContextVar[str] = contextvars.ContextVar("device_id", default="")
_op_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("op_id", default=None)


def register_op(op_type: str, handler: Handler) -> None:
    """Register the handler of `op_type` (re-registering replaces, for module reloads)."""
    _handlers[op_type] = handler


def registered_types() -> list[str]:
    return sorted(_handlers)


def current_device_id() -> str:
    return _device_id.get()


def current_op_id() -> str | None:
    """The op_id of the op being applied (None outside `apply_op`)."""
    return _op_id.get()


def payload_hash(op_type: str, data: dict[str, Any]) -> str:
    canonical = json.dumps({"type": op_type, "data": data}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Refused(Exception):
    """Carries a non-applied outcome out of the savepoint so the handler's work rolls back."""

    def __init__(self, outcome: OpOutcome) -> None:
        super().__init__(outcome.code)
        self.outcome = outcome


def _outcome_of_problem(problem: Problem) -> OpOutcome:
    status: Status = "conflict" if problem.status == 409 else "rejected"
    return OpOutcome(status, problem.code, problem.detail or problem.title, problem.context)


def _result(op_id: str, outcome: OpOutcome) -> dict[str, Any]:
    # `seq` is always null: the feed's head after the op counted every unit's changes
    # since the caller's last op (issue 13, finding 15). Clients learn what an op
    # changed from the feed, which holds only what they may see.
    result: dict[str, Any] = {"op_id": op_id, "status": outcome.status,
                              "code": outcome.code, "detail": outcome.detail, "seq": None}
    if outcome.context:
        result["context"] = outcome.context  # stored with the result: replays carry it
    return result


def contains_nul(value: Any) -> bool:
    """True when a NUL character hides anywhere in `value`, keys included (PostgreSQL text
    refuses it); walked without recursion, so data of any depth is safe to check."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list | tuple):
            todo.extend(item)
    return False


def apply_op(user: User, op_id: str, op_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Apply one op atomically and idempotently; returns its PROTOCOL result."""
    try:
        digest = payload_hash(op_type, data)
    except (UnicodeEncodeError, ValueError):
        # Lone UTF-16 surrogates (or NaN) cannot be stored or signed: refuse this op only.
        return _result(op_id, OpOutcome("rejected", "op.invalid_data",
                                        "the operation contains text that is not valid Unicode"))
    if contains_nul(data):
        # PostgreSQL text cannot hold NUL: refused here for every op type alike (a
        # handler that forgot its own check answered 500 on PostgreSQL, issue 13).
        return _result(op_id, OpOutcome("rejected", "op.invalid_data",
                                        "the operation contains a NUL character"))
    with write_tx():
        prior = AppliedOp.get_or_none(AppliedOp.op_id == op_id)
        if prior is not None:
            if prior.payload_hash == digest and prior.user_id == user.id:
                result = dict(prior.result)
                result["seq"] = None  # results stored before the seq was withheld
                result["original_status"] = result["status"]
                result["status"] = "duplicate"
                return result
            return _result(op_id, OpOutcome("rejected", "op.id_reused",
                                            "this op_id was used for another operation"))
        handler = _handlers.get(op_type)
        if handler is None:
            # Not recorded: a later platform version may know the type.
            return _result(op_id, OpOutcome("rejected", "op.unknown_type",
                                            f"unknown operation type {op_type!r}"))
        op_token = _op_id.set(op_id)
        try:
            with database.obj.atomic():  # savepoint: undone unless applied
                outcome = handler(user, data)
                if outcome.status != "applied":
                    raise _Refused(outcome)
        except _Refused as refused:
            outcome = refused.outcome
        except Problem as problem:
            if problem.status >= 500:
                raise
            outcome = _outcome_of_problem(problem)
        finally:
            _op_id.reset(op_token)
        result = _result(op_id, outcome)
        AppliedOp.create(op_id=op_id, user_id=user.id, payload_hash=digest, result=result)
    metrics.count_op(outcome.status)
    if outcome.status != "applied":
        log.info("op %s (%s) by %s: %s %s", op_id, op_type, user.username, outcome.status,
                 outcome.code)
    return result


def apply_ops(user: User, ops: list[dict[str, Any]], device_id: str = "") -> list[dict[str, Any]]:
    """Apply ops in order; one op's refusal does not stop the next."""
    token = _device_id.set(device_id)
    try:
        return [apply_op(user, op["op_id"], op["type"], op["data"]) for op in ops]
    finally:
        _device_id.reset(token)
