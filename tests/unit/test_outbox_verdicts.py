"""A replayed op (`duplicate`) takes its verdict from the first answer (`original_status`)."""

from __future__ import annotations

from datetime import UTC, datetime

import peewee

from client.services import outbox
from client.types import OpState

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _two(cache: peewee.Database) -> tuple[str, str, str]:
    with cache.atomic():
        return tuple(outbox.enqueue("document.mark_read",  # type: ignore[return-value]
                                    {"document_id": f"d{i}", "at": T0.isoformat()})
                     for i in range(3))


def test_duplicate_of_a_conflict_or_rejection_is_that_refusal(cache: peewee.Database) -> None:
    a, b, c = _two(cache)
    recorded = outbox.record_results([
        {"op_id": a, "status": "duplicate", "original_status": "conflict",
         "code": "task.cancelled", "detail": "the task was cancelled"},
        {"op_id": b, "status": "duplicate", "original_status": "rejected",
         "code": "document.not_found", "detail": "no such document"},
        {"op_id": c, "status": "duplicate", "original_status": "applied", "seq": 7},
    ])
    assert outbox.get(a).state == OpState.CONFLICT
    assert outbox.get(a).result_code == "task.cancelled"
    assert outbox.get(b).state == OpState.REJECTED
    assert outbox.get(b).result_code == "document.not_found"
    assert outbox.get(c).state == OpState.DONE
    # The refusals count as refusals: the sync reports them to the user.
    assert recorded.counts == {"conflict": 1, "rejected": 1, "duplicate": 1}
    assert {p.op_id for p in outbox.problems()} == {a, b}


def test_duplicate_without_original_status_is_applied_and_unknown_is_retried(
        cache: peewee.Database) -> None:
    a, b, _ = _two(cache)
    outbox.record_results([{"op_id": a, "status": "duplicate"},
                           {"op_id": b, "status": "duplicate", "original_status": "weird"}])
    assert outbox.get(a).state == OpState.DONE
    assert outbox.get(b).state == OpState.QUEUED  # not settled: asked again next sync


def test_due_now_skips_the_backoff_not_the_set_aside(cache: peewee.Database) -> None:
    a, b, _ = _two(cache)
    now = T0.timestamp()
    outbox.record_failure([a], error="HTTP 500", now=now)
    for i in range(outbox.MAX_ATTEMPTS):
        outbox.record_failure([b], error="HTTP 500", now=now + i)
    assert a not in [o.op_id for o in outbox.due_ops(now)]
    assert outbox.backing_off(now) == 1
    assert outbox.due_now() == 1
    assert a in [o.op_id for o in outbox.due_ops(now)]
    assert outbox.get(b).state == OpState.SET_ASIDE and outbox.backing_off(now) == 0


def test_an_answer_lost_keeps_the_op_sent_and_due_until_set_aside(cache: peewee.Database) -> None:
    a, _, _ = _two(cache)
    outbox.mark_sent([a])
    outbox.record_answer_lost([a], error="network.answer_lost: 已发送")
    op = outbox.get(a)
    assert op.state == OpState.SENT and op.attempts == 1
    assert a in [o.op_id for o in outbox.due_ops(T0.timestamp())]  # replayed next sync
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.record_answer_lost([a], error="network.answer_lost: 已发送")
    assert outbox.get(a).state == OpState.SET_ASIDE
