"""The outbox: operations recorded when the user acted, waiting to be pushed.

The op owners (client.services.op_owners, one per op type) add ops inside the same
transaction as their local change (`enqueue`), and settle that change when the
platform answers (`record_results` dispatches to them). The
sync engine asks for `due_ops`, PUTs each op's `blobs_first` that are not uploaded yet,
pushes, and hands back the per-op results (`record_results`) or a failure
(`record_failure`, with exponential backoff; after MAX_ATTEMPTS an op is set aside,
shown as a problem, and the others go on).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from client import models
from client.changes import NO_CHANGES, Changes
from client.errors import GovDeskError
from client.models import OutboxOp, from_epoch
from client.types import OpId, OpState, OutboxCounts, OutboxItem, Sha256
from protocol.wire.notes import ConflictContext

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 5.0
BACKOFF_MAX_S = 3600.0
UNSENT_STATES = (OpState.QUEUED.value, OpState.SENT.value)
PROBLEM_STATES = (OpState.CONFLICT.value, OpState.REJECTED.value, OpState.SET_ASIDE.value)


def _ts(at: datetime | float) -> float:
    return at.timestamp() if isinstance(at, datetime) else float(at)


def new_op_id() -> OpId:
    return OpId(str(uuid.uuid4()))


def enqueue(op_type: str, data: dict[str, Any], *, local_ref: str | None = None,
            blobs_first: Sequence[str] = (), op_id: str | None = None,
            now: datetime | float | None = None) -> OpId:
    """Queue an op; call inside the transaction that records the local change."""
    oid = OpId(op_id or new_op_id())
    created = _ts(now) if now is not None else models.now_ts()
    OutboxOp.create(op_id=oid, type=op_type, data=data, created_at=created,
                    next_attempt_at=0, state=OpState.QUEUED.value, local_ref=local_ref,
                    blobs_first=list(blobs_first))
    return oid


def _item(op: OutboxOp) -> OutboxItem:
    return OutboxItem(op_id=OpId(op.op_id), type=op.type, data=op.data,
                      state=OpState(op.state), attempts=op.attempts,
                      created_at=from_epoch(op.created_at),
                      next_attempt_at=from_epoch(op.next_attempt_at) if op.next_attempt_at
                      else None,
                      result_code=op.result_code, result_detail=op.result_detail,
                      local_ref=op.local_ref,
                      blobs_first=[Sha256(s) for s in (op.blobs_first or [])],
                      result_context=op.result_context or None)


def get(op_id: str) -> OutboxItem | None:
    op = OutboxOp.get_or_none(OutboxOp.op_id == op_id)
    return None if op is None else _item(op)


def due_ops(now: datetime | float, limit: int = 100) -> list[OutboxItem]:
    """Ops to push now, in the order the user made them (at most `limit`)."""
    q = (OutboxOp.select()
         .where(OutboxOp.state.in_(UNSENT_STATES) & (OutboxOp.next_attempt_at <= _ts(now)))
         .order_by(OutboxOp.id).limit(limit))
    return [_item(op) for op in q]


def next_due_at() -> datetime | None:
    """When the earliest waiting op becomes due (for the engine's timer)."""
    ts = (OutboxOp.select(peewee.fn.MIN(OutboxOp.next_attempt_at))
          .where(OutboxOp.state.in_(UNSENT_STATES)).scalar())
    return None if ts is None else from_epoch(ts)


def mark_sent(op_ids: Iterable[str]) -> list[str]:
    """Mark the ops sent, just before they are posted; returns those still to post (sent
    or now marked sent), in the order given. An op withdrawn by the user since the engine
    picked it (`withdraw`) is left out: the two UPDATEs take the one write lock in turn,
    so an op is either withdrawn here or posted, never both."""
    ids = list(op_ids)
    if not ids:
        return []
    db = models.database_proxy.obj
    with db.atomic():
        OutboxOp.update(state=OpState.SENT.value).where(
            OutboxOp.op_id.in_(ids) & (OutboxOp.state == OpState.QUEUED.value)).execute()
        still = set(OutboxOp.select(OutboxOp.op_id).where(
            OutboxOp.op_id.in_(ids) & (OutboxOp.state == OpState.SENT.value)).tuples())
    return [i for i in ids if (i,) in still]


def never_sent(op_id: str) -> bool:
    """True when the op is queued and was never posted: no attempt can have reached the
    platform (a failed attempt may have been applied with its answer lost)."""
    return (OutboxOp.select().where((OutboxOp.op_id == op_id)
                                    & (OutboxOp.state == OpState.QUEUED.value)
                                    & (OutboxOp.attempts == 0)).exists())


def withdraw(op_id: str) -> bool:
    """Take a never-sent op out of the queue (the user recalled it); False when it is
    no longer so (the engine marked it sent meanwhile: then only the platform can undo
    it). Call inside the transaction of the op owner's local undo."""
    n = OutboxOp.update(state=OpState.DONE.value, result_code="user.withdrawn",
                        finished_at=models.now_ts()).where(
        (OutboxOp.op_id == op_id) & (OutboxOp.state == OpState.QUEUED.value)
        & (OutboxOp.attempts == 0)).execute()
    return bool(n)


def _finish(op: OutboxOp, state: OpState, code: str | None, detail: str | None,
            seq: int | None = None, context: dict[str, Any] | None = None) -> Changes:
    from client.services.op_owners import owner_for  # its owners queue through this module

    OutboxOp.update(state=state.value, result_code=code, result_detail=detail,
                    finished_at=models.now_ts(), applied_seq=seq,
                    result_context=context).where(OutboxOp.id == op.id).execute()
    owner = owner_for(op.type)
    item = _item(OutboxOp.get_by_id(op.id))
    return owner.confirmed(item) if state == OpState.DONE else owner.refused(item, state)


@dataclass(frozen=True)
class RecordedResults:
    counts: dict[str, int]  # status -> how many
    changes: Changes        # what the owners' settling changed


def verdict_of(result: dict[str, Any]) -> str | None:
    """What a result means for the op: "applied", "conflict", "rejected", or None (unknown).

    A `duplicate` replays the first answer, which the platform may have given while the
    client never heard it (lost in transit, the client killed): its verdict is that first
    answer's (`original_status`), so a duplicate of a conflict is a conflict and the
    user's text goes to the problems, never silently to "done". A duplicate without
    `original_status` (an older platform) counts as applied, as before.
    """
    status = result.get("status")
    if status == "duplicate":
        status = result.get("original_status") or "applied"
    return status if status in ("applied", "conflict", "rejected") else None


_CONTEXT_FIELDS = frozenset(ConflictContext.model_fields)


def _context_of(result: dict[str, Any]) -> dict[str, Any] | None:
    """A result's `context`: its known text fields that are set; None if there are none
    (an older platform sends no context; a malformed one is not worth losing an op over)."""
    raw = result.get("context")
    if not isinstance(raw, dict):
        return None
    kept = {k: v for k, v in raw.items()
            if k in _CONTEXT_FIELDS and isinstance(v, str) and v}
    return kept or None


def record_results(results: Sequence[dict[str, Any]]) -> RecordedResults:
    """Apply the platform's per-op answers, each through the owner of its op type."""
    counts: dict[str, int] = {}
    changes = NO_CHANGES
    db = models.database_proxy.obj
    with db.atomic():
        for result in results:
            status = result.get("status")
            op = OutboxOp.get_or_none(OutboxOp.op_id == result.get("op_id"))
            if op is None:
                log.warning("result for an unknown op %r ignored", result.get("op_id"))
                continue
            code, detail = result.get("code"), result.get("detail")
            verdict = verdict_of(result)
            if verdict is None:
                log.warning("op %s: unknown result status %r (original %r); will retry",
                            op.op_id, status, result.get("original_status"))
                continue
            if verdict == "applied":
                seq = result.get("seq")
                changes |= _finish(op, OpState.DONE, code or status, detail,
                                   seq if isinstance(seq, int) else None)
            else:
                # Who made the step go away, when, who holds it now: kept with the
                # refusal for the problems view (only the fields of ConflictContext).
                context = _context_of(result)
                changes |= _finish(op, OpState.CONFLICT if verdict == "conflict"
                                   else OpState.REJECTED, code, detail, context=context)
            # A replayed refusal counts as the refusal it is (the user must see it).
            counted = str(verdict if status == "duplicate" and verdict != "applied"
                          else status)
            counts[counted] = counts.get(counted, 0) + 1
    return RecordedResults(counts, changes)


def backoff_seconds(attempts: int) -> float:
    # Full jitter keeps many township clients from retrying in lockstep.
    return random.uniform(0.5, 1.0) * min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempts - 1))


def record_failure(op_ids: Iterable[str], *, error: str, now: datetime | float) -> None:
    """A push of these ops failed for a reason of their own (server error, bad answer).

    Each is retried later with exponential backoff; after MAX_ATTEMPTS it is set aside
    (a problem to show) so it does not hold the queue. Being offline is not a failure:
    the engine simply does not push.
    """
    db = models.database_proxy.obj
    with db.atomic():
        for op in OutboxOp.select().where(OutboxOp.op_id.in_(list(op_ids))):
            attempts = op.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                OutboxOp.update(attempts=attempts, state=OpState.SET_ASIDE.value,
                                result_code="op.set_aside", result_detail=error).where(
                    OutboxOp.id == op.id).execute()
                log.error("op %s set aside after %d attempts: %s", op.op_id, attempts, error)
            else:
                OutboxOp.update(attempts=attempts, state=OpState.QUEUED.value,
                                result_detail=error,
                                next_attempt_at=_ts(now) + backoff_seconds(attempts)).where(
                    OutboxOp.id == op.id).execute()


def defer(op_ids: Iterable[str], *, error: str, until: float) -> None:
    """These ops wait until `until` (epoch seconds) for a reason that is not theirs (the
    platform's upload limits): no attempt is counted, so waiting never sets one aside;
    `error` is shown with them meanwhile."""
    OutboxOp.update(state=OpState.QUEUED.value, result_detail=error,
                    next_attempt_at=until).where(
        OutboxOp.op_id.in_(list(op_ids)) & OutboxOp.state.in_(UNSENT_STATES)).execute()


def record_answer_lost(op_ids: Iterable[str], *, error: str) -> None:
    """These ops were sent and their answer was lost (the platform may have applied
    them): they stay "sent" and due, so the next sync replays them and gets the first
    verdict (`duplicate`); the attempt counts, and after MAX_ATTEMPTS such an op is set
    aside as a problem rather than hold the queue for ever."""
    db = models.database_proxy.obj
    with db.atomic():
        for op in OutboxOp.select().where(OutboxOp.op_id.in_(list(op_ids))):
            attempts = op.attempts + 1
            state = OpState.SET_ASIDE if attempts >= MAX_ATTEMPTS else OpState.SENT
            OutboxOp.update(attempts=attempts, state=state.value, result_detail=error,
                            result_code="op.set_aside" if state == OpState.SET_ASIDE
                            else None).where(OutboxOp.id == op.id).execute()


def due_now() -> int:
    """The user asks to send now (`sync --now`): waiting ops skip their backoff.

    Set-aside ops stay aside (they need the user's own retry); returns how many ops
    were waiting out a backoff."""
    return int(OutboxOp.update(next_attempt_at=0).where(
        OutboxOp.state.in_(UNSENT_STATES) & (OutboxOp.next_attempt_at > 0)).execute())


def backing_off(now: datetime | float) -> int:
    """How many unsent ops wait out a backoff at `now` (not pushed by a sync now)."""
    return int(OutboxOp.select().where(OutboxOp.state.in_(UNSENT_STATES)
                                       & (OutboxOp.next_attempt_at > _ts(now))).count())


def retry(op_id: str) -> Changes:
    """The user asks to try a set-aside op again."""
    n = OutboxOp.update(state=OpState.QUEUED.value, attempts=0, next_attempt_at=0).where(
        (OutboxOp.op_id == op_id) & (OutboxOp.state == OpState.SET_ASIDE.value)).execute()
    if not n:
        raise GovDeskError("op.not_retryable")
    return Changes(outbox=True)


def resolve(op_id: str, how: str) -> Changes:
    """The user dealt with a problem op (redone, discarded): it leaves the problems list."""
    OutboxOp.update(state=OpState.DONE.value, result_code=f"user.{how}",
                    finished_at=models.now_ts()).where(
        (OutboxOp.op_id == op_id) & OutboxOp.state.in_(PROBLEM_STATES)).execute()
    return Changes(outbox=True)


def problems(limit: int = 200) -> list[OutboxItem]:
    q = (OutboxOp.select().where(OutboxOp.state.in_(PROBLEM_STATES))
         .order_by(OutboxOp.id.desc()).limit(limit))
    return [_item(op) for op in q]


def counts() -> OutboxCounts:
    rows = dict(OutboxOp.select(OutboxOp.state, peewee.fn.COUNT(OutboxOp.id))
                .where(OutboxOp.state != OpState.DONE.value)
                .group_by(OutboxOp.state).tuples())
    return OutboxCounts(queued=rows.get("queued", 0), sent=rows.get("sent", 0),
                        conflict=rows.get("conflict", 0), rejected=rows.get("rejected", 0),
                        set_aside=rows.get("set_aside", 0))


APPLIED_CODES = ("applied", "duplicate")  # result_code of ops the platform applied


def resend_applied(since: datetime | float) -> list[OpId]:
    """The platform was rolled back (restored from a backup): every op it applied since
    `since` is queued again, in its first order, with its local effect back to "waiting"
    (its owner's `resent`). The platform answers `duplicate` to those the restore kept
    and applies those it lost. Ops the user resolved (redone, discarded) stay done."""
    from client.services.op_owners import owner_for

    db = models.database_proxy.obj
    out: list[OpId] = []
    with db.atomic():
        rows = list(OutboxOp.select().where(
            (OutboxOp.state == OpState.DONE.value) & OutboxOp.result_code.in_(APPLIED_CODES)
            & (OutboxOp.finished_at >= _ts(since))).order_by(OutboxOp.id))
        for op in rows:
            OutboxOp.update(state=OpState.QUEUED.value, attempts=0, next_attempt_at=0,
                            result_code=None, result_detail=None, finished_at=None).where(
                OutboxOp.id == op.id).execute()
            owner_for(op.type).resent(_item(op))
            out.append(OpId(op.op_id))
    if out:
        log.warning("platform rolled back: %d applied op(s) queued again", len(out))
    return out


def purge_done(older_than: datetime | float) -> int:
    """Drop finished ops older than a date (the audit log keeps what happened)."""
    return OutboxOp.delete().where((OutboxOp.state == OpState.DONE.value)
                                   & (OutboxOp.finished_at < _ts(older_than))).execute()
