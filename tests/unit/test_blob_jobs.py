"""How the prefetch plan is cut into download jobs: every planned blob in exactly one job,
batches within their limits, urgency order kept (a blob twice was fetched twice)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from client.blobstore import NeededBlob
from client.sync import blobs
from protocol.wire import blob_batch


class _Store:
    def __init__(self, partial: set[str]) -> None:
        self.partial = partial

    def partial_size(self, sha: str) -> int:
        return 100 if sha in self.partial else 0


_sizes = st.one_of(st.integers(0, blobs.BATCH_ITEM_MAX_BYTES), st.integers(100_000, 200_000),
                   st.integers(blobs.BATCH_ITEM_MAX_BYTES + 1, 4 * 1024 * 1024))


@given(st.lists(st.tuples(_sizes, st.booleans()), max_size=300))
def test_each_planned_blob_is_in_one_job_and_batches_keep_their_limits(items) -> None:
    plan = [NeededBlob(f"{i:064x}", "application/pdf", size, "task")  # type: ignore[arg-type]
            for i, (size, _) in enumerate(items)]
    partial = {n.sha256 for n, (_, resumed) in zip(plan, items, strict=True) if resumed}
    jobs = blobs._jobs(plan, _Store(partial))  # type: ignore[arg-type]
    flat = [n.sha256 for job in jobs for n in job]
    assert sorted(flat) == sorted(n.sha256 for n in plan)
    assert len(flat) == len(set(flat))
    for job in jobs:
        assert job
        if len(job) > 1:
            assert len(job) <= blob_batch.MAX_ITEMS
            assert sum(n.size for n in job) <= blobs.BATCH_MAX_BYTES
            assert all(n.size <= blobs.BATCH_ITEM_MAX_BYTES and n.sha256 not in partial
                       for n in job)
    # A job is placed where its most urgent member is: first members keep plan order.
    firsts = [int(job[0].sha256, 16) for job in jobs]
    assert firsts == sorted(firsts)


def test_a_full_batch_is_followed_by_a_new_one_not_by_itself() -> None:
    size = 200_000
    per_batch = blobs.BATCH_MAX_BYTES // size
    plan = [NeededBlob(f"{i:064x}", "application/pdf", size, "task")  # type: ignore[arg-type]
            for i in range(per_batch + 3)]
    jobs = blobs._jobs(plan, _Store(set()))  # type: ignore[arg-type]
    assert [len(j) for j in jobs] == [per_batch, 3]
