"""One owner per op type on the client, and the one writer of `Task.local_state`.

The source checks read the client's code (ast), so a second writer or an op queued
around its owner fails here; the behaviour checks go through the real services and
`outbox.record_results` on a real cache.
"""

from __future__ import annotations

import ast
from pathlib import Path

import peewee
import pytest
from cachekit import T0, directory_changes, document, key, notice, task, up

from client.blobstore import BlobStore
from client.changes import Changes
from client.models import Notice
from client.services import op_owners, outbox
from client.services.notices import NoticeService
from client.services.signoff import SignoffService
from client.sync import apply
from protocol import ops
from protocol.signing import Signer, generate_keypair

CLIENT = Path(__file__).resolve().parents[2] / "client"
OWNER_DIR = CLIENT / "services" / "op_owners"
WRITES = ("update", "create", "insert", "insert_many", "replace", "get_or_create")


def _sources(root: Path = CLIENT) -> list[tuple[Path, ast.AST]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"), str(p)))
            for p in sorted(root.rglob("*.py")) if p.name != "models.py"]


def _is_task(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Task") or (
        isinstance(node, ast.Attribute) and node.attr == "Task")


def local_state_writers(root: Path = CLIENT) -> dict[str, int]:
    """module path -> how many places in it write task.local_state.

    A write: `Task.update/create/insert…(local_state=…)` (or a dict naming it), an
    assignment to `x.local_state`, a dict literal with the key "local_state" (raw
    insert columns), or SQL text that sets it (UPDATE task SET … local_state =).
    """
    found: dict[str, int] = {}
    for path, tree in _sources(root):
        n = 0
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in WRITES and _is_task(node.func.value)):
                n += any(k.arg == "local_state" for k in node.keywords)
                n += any(isinstance(a, ast.Dict) and any(
                    (isinstance(k, ast.Attribute) and k.attr == "local_state")
                    or (isinstance(k, ast.Constant) and k.value == "local_state")
                    for k in a.keys) for a in node.args)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                n += sum(isinstance(t, ast.Attribute) and t.attr == "local_state"
                         for t in targets)
            elif isinstance(node, ast.Dict):
                # A dict that sets local_state (row defaults, update maps); one that only
                # copies a row's local_state out (JSON of the CLI) reads it.
                n += sum(isinstance(k, ast.Constant) and k.value == "local_state"
                         and not (isinstance(v, ast.Attribute) and v.attr == "local_state")
                         for k, v in zip(node.keys, node.values, strict=True))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = " ".join(node.value.lower().split())
                if "update task set" in sql and "local_state =" in sql.split(" where ")[0]:
                    n += 1
        if n:
            found[str(path.relative_to(root.parent))] = n
    return found


def test_task_local_state_has_one_writer() -> None:
    writers = local_state_writers()
    assert list(writers) == ["client/services/op_owners/task_complete.py"], writers
    # queued, refused, discarded, settled by the pull, new synced rows
    assert writers["client/services/op_owners/task_complete.py"] >= 5


def test_the_writer_check_sees_every_kind_of_write(tmp_path: Path) -> None:
    root = tmp_path / "client"
    root.mkdir()
    (root / "a.py").write_text('models.Task.update(local_state="x").execute()\n')
    (root / "b.py").write_text('db.execute_sql("UPDATE task SET local_state = ? WHERE id = ?")\n')
    (root / "c.py").write_text('COLUMNS = {"local_state": ""}\n')
    (root / "d.py").write_text('row.local_state = "conflict"\n')
    (root / "readers.py").write_text(
        'Task.select().where(Task.local_state != "pending_sync")\n'
        'db.execute_sql("SELECT 1 FROM task t WHERE t.local_state = \'pending_sync\'")\n'
        'TaskInfo(id="t", local_state=t.local_state)\n')
    assert local_state_writers(root) == {"client/a.py": 1, "client/b.py": 1,
                                         "client/c.py": 1, "client/d.py": 1}


def test_every_op_type_the_client_sends_has_one_owner() -> None:
    assert set(op_owners.OWNERS) | set(op_owners.NOT_SENT) == set(ops.OP_TYPES)
    assert not set(op_owners.OWNERS) & set(op_owners.NOT_SENT)
    for op_type, owner in op_owners.OWNERS.items():
        assert owner.op_type == op_type


def test_ops_are_queued_only_by_their_owners() -> None:
    """`outbox.enqueue` is called from the owners only, each with its own type."""
    outside: list[str] = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "enqueue"):
                if OWNER_DIR not in path.parents:
                    outside.append(f"{path.relative_to(CLIENT.parent)}:{node.lineno}")
                else:
                    first = node.args[0] if node.args else None
                    assert isinstance(first, ast.Attribute) and first.attr == "op_type", (
                        f"{path.name}:{node.lineno} queues a type that is not its own")
    assert outside == []


# --- behaviour ----------------------------------------------------------------------------

@pytest.fixture
def signer(cache: peewee.Database) -> Signer:
    kp = generate_keypair("ed25519")
    apply.apply_page([*directory_changes(), up("key", key(kp.key_id, "zhangjianguo",
                                                          kp.public_b64))], cursor="k1")
    return Signer.from_keypair(kp, "zhangjianguo")


@pytest.fixture
def blobs(tmp_path: Path, cache_key: bytes, cache: peewee.Database) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cache_key)


def test_signoff_and_its_results_say_what_changed(cache: peewee.Database, signer: Signer,
                                                  blobs: BlobStore) -> None:
    apply.apply_page([up("document", document("d1", "关于财政资金管理的通知")),
                      up("task", task("t1", "d1", "zhangjianguo", kind="instruct"))],
                     cursor="c1")
    svc = SignoffService("zhangjianguo", blobs)
    r = svc.complete_task("t1", decision="approve", text="同意。", signer=signer, now=T0)
    assert r.changes == Changes(documents=frozenset({"d1"}), tasks=frozenset({"t1"}),
                                opinions=frozenset({f"local:{r.op_id}"}), outbox=True)
    recorded = outbox.record_results([{"op_id": r.op_id, "status": "applied"}])
    assert recorded.counts == {"applied": 1}
    assert "d1" in recorded.changes.documents and recorded.changes.outbox
    summary = apply.apply_page(
        [up("task", task("t1", "d1", "zhangjianguo", status="done", version=2))], cursor="c2")
    assert summary.changes.tasks == {"t1"} and summary.changes.documents == {"d1"}


def test_refused_ack_is_taken_back_by_its_owner(cache: peewee.Database) -> None:
    apply.apply_page([up("notice", notice("n1", "会议通知", requires_ack=True))], cursor="c1")
    changes = NoticeService("zhangjianguo").acknowledge("n1", now=T0)
    assert changes.notices == {"n1"} and changes.outbox
    [op] = outbox.due_ops(T0.timestamp() + 1)
    recorded = outbox.record_results([{"op_id": op.op_id, "status": "rejected",
                                       "code": "auth.forbidden"}])
    assert recorded.changes.notices == {"n1"}
    n = Notice.get(Notice.id == "n1")
    assert not n.acked and not n.ack_pending


def test_changes_merge() -> None:
    a = Changes(documents=frozenset({"d1"}), outbox=True)
    b = Changes(documents=frozenset({"d2"}), tasks=frozenset({"t1"}), sync_state=True)
    both = a | b
    assert both.documents == {"d1", "d2"} and both.tasks == {"t1"}
    assert both.outbox and both.sync_state and not both.directory
    assert not Changes() and both
    assert both.touches_document("d2") and not both.touches_document("d3")
    assert both.touches_document("d3", task_ids=["t1"])
