"""The desk commands (inbox, show, sign, notices, ack) as `python -m client` subprocesses.

Against the real platform: the inbox matches the platform's pending tasks, a sign-off
made with the platform stopped is queued, and one `sync` later the platform holds that
opinion exactly once. Every `--json` output is checked against the field tables of
docs/cli.md (and the doc's examples against the same tables), so the doc cannot drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from synckit import REPO, platform_db, raw_session, register_document, run_cli

from client import __main__ as entry
from client import cli, cli_desk

DOC = REPO / "docs" / "cli.md"
COMMANDS = ("inbox", "show", "sign", "notices", "ack", "exchange", "receive", "refuse")
LOGIN_ENV = {"GOVDESK_PASSWORD": "Fujin@2005"}


# --- docs/cli.md's field tables --------------------------------------------------------------


def _doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def documented_schemas() -> dict[str, dict[str, set[str]]]:
    """command -> {field path: allowed JSON types}, from the tables after `<!-- schema: X -->`."""
    schemas: dict[str, dict[str, set[str]]] = {}
    for m in re.finditer(r"<!-- schema: (\w+) -->\n((?:\|.*\n)+)", _doc_text()):
        fields: dict[str, set[str]] = {}
        for line in m.group(2).splitlines()[2:]:  # after the header and its rule
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            path, types = cells[0].strip("`"), cells[1]
            fields[path] = {t.strip() for t in types.split(" or ")}
        schemas[m.group(1)] = fields
    return schemas


def documented_examples() -> dict[str, Any]:
    return {m.group(1): json.loads(m.group(2)) for m in re.finditer(
        r"<!-- example: (\w+) -->\n```json\n(.*?)\n```", _doc_text(), re.S)}


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    assert isinstance(value, list)
    inner = {_type(v) for v in value}
    assert len(inner) <= 1, f"mixed array {value!r}"
    return f"array of {inner.pop()}" if inner else "array"


def flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """(path, value) of every field: `a.b` inside objects, `a[].b` inside arrays of objects."""
    if isinstance(value, dict):
        for key, v in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path, v
            yield from flatten(v, path)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield from flatten(item, f"{prefix}[]")


class SchemaCheck:
    """Every field of an output is documented with its type; every documented field is seen."""

    def __init__(self) -> None:
        self.schemas = documented_schemas()
        self.seen: dict[str, set[str]] = {c: set() for c in self.schemas}

    def check(self, command: str, value: Any) -> Any:
        schema = self.schemas[command]
        for path, v in flatten(value):
            assert path in schema, f"{command}: field {path} is not in docs/cli.md"
            t = _type(v)
            allowed = schema[path]
            ok = t in allowed or (t == "array" and any(a.startswith("array") for a in allowed))
            assert ok, f"{command}: {path} is {t}, docs/cli.md says {' or '.join(allowed)}"
            self.seen[command].add(path)
        return value

    def assert_all_seen(self, *commands: str) -> None:
        for c in commands:
            missing = set(self.schemas[c]) - self.seen[c]
            assert not missing, f"{c}: documented but never produced: {sorted(missing)}"


def run_json(check: SchemaCheck, command: str, *args: str) -> Any:
    run = run_cli(command, *args, "--json")
    assert run.returncode == 0, run.stderr
    return check.check(command, json.loads(run.stdout))


def one_line_error(run: Any, code: int, text: str) -> None:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], run.stderr


# --- the doc itself (no platform) -------------------------------------------------------------


def test_the_docs_examples_follow_its_field_tables() -> None:
    check = SchemaCheck()
    examples = documented_examples()
    assert set(check.schemas) == set(examples) == set(COMMANDS)
    for command, example in examples.items():
        check.check(command, example)
    check.assert_all_seen(*COMMANDS)


def test_every_command_and_option_is_documented_and_routed() -> None:
    text = _doc_text()
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    common = {"--server", "--user", "--ca-file", "--proxy", "-h", "--help"}
    for name in cli_desk.COMMAND_NAMES:
        assert f"## `{name}`" in text, name
        assert name in entry.SUBCOMMANDS, f"python -m client {name} would start the GUI"
        for action in sub.choices[name]._actions:
            for option in set(action.option_strings) - common:
                assert f"`{option}" in text, f"{name} {option} is not in docs/cli.md"
    for code in cli_desk.USAGE_CODES:
        assert f"`{code}`" in text, f"exit code of {code} is not in docs/cli.md"


def test_exchange_json_is_what_the_doc_says(tmp_path) -> None:  # noqa: ANN001
    """`exchange`, `receive` and `refuse --json` from a clerk's cache (no platform)."""
    import os
    import sys
    from datetime import datetime, timedelta

    sys.path.insert(0, str(REPO / "tests" / "unit"))
    from cachekit import directory_changes, up
    from exchangekit import delivery, town_directory

    from client.db import close_cache, open_cache
    from client.services.exchange import ExchangeService
    from client.sync import apply

    db = open_cache(tmp_path / "cache.db", os.urandom(32))
    try:
        apply.set_identity(user_id="townclerk")
        now = datetime.now().astimezone()
        apply.apply_page([*directory_changes(), *town_directory(),
                          up("delivery", delivery("a", urgency="very_urgent",
                                                  sent=now - timedelta(hours=5))),
                          up("delivery", delivery("b", role="cc", sent=now)),
                          up("delivery", delivery("c", sent=now))], cursor="c1")
        service = ExchangeService("townclerk")
        check = SchemaCheck()
        check.check("receive", cli_desk.receipt_json(service, "a", reason=None, now=now))
        refused = cli_desk.receipt_json(service, "b", reason=" 非本单位来文 ", now=now)
        assert check.check("refuse", refused)["reason"] == "非本单位来文"
        box = check.check("exchange", cli_desk.box_json(service, now=now))
        assert (box["total"], box["to_receive"], box["waiting"]) == (3, 1, 2)
        assert [r["local_state"] for r in box["rows"]] == ["receive_pending", "", "refuse_pending"]
        assert box["rows"][0]["overdue"] is False  # done here: no longer counted overdue
        assert cli_desk.box_json(service, now=now, limit=1)["total"] == 1
        check.assert_all_seen("exchange", "receive", "refuse")
    finally:
        close_cache(db)


# --- against the platform --------------------------------------------------------------------


def _sign_in(platform: Any) -> None:
    run = run_cli("login", "--server", platform.base_url, "--user", "zhangjianguo", "--sync",
                  "--enrolment-code", platform.issue_enrolment_code("zhangjianguo"),
                  env=LOGIN_ENV)
    assert run.returncode == 0, run.stderr


def _platform_pending(platform: Any, username: str) -> set[str]:
    with platform_db(platform) as conn:
        return {r[0] for r in conn.execute(
            "SELECT id FROM task WHERE assignee_id = ? AND status = 'pending' "
            "AND kind != 'read'", (f"u-{username}",))}


def test_inbox_search_show_notices_and_errors(fresh_platform) -> None:
    platform = fresh_platform
    check = SchemaCheck()
    _sign_in(platform)

    todo = run_json(check, "inbox", "--limit", "0")
    assert todo["view"] == "todo" and todo["total"] == len(todo["rows"]) > 0
    assert {r["task_id"] for r in todo["rows"]} == _platform_pending(platform, "zhangjianguo")
    assert all(r["task_status"] == "pending" and r["local_state"] == "" for r in todo["rows"])
    limited = run_json(check, "inbox", "--limit", "1")
    assert len(limited["rows"]) == 1 and limited["total"] == todo["total"]

    human = run_cli("inbox")
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    assert lines[0].split()[:3] == ["紧急", "文号", "标题"]
    for row in todo["rows"]:
        line = next(x for x in lines if row["document_id"] in x)
        assert row["doc_number"] in line and cli_desk.TASK_KINDS[row["task_kind"]][0] in line
    assert f"共 {todo['total']} 条" in lines[-1]
    # Aligned columns: the document ids (last column) start at the same terminal column.
    starts = {cli_desk.textfmt.display_width(x[:x.index(r["document_id"])])
              for x in lines for r in todo["rows"] if r["document_id"] in x}
    assert len(starts) == 1
    english = run_cli("inbox", env={"LANG": "en_US.UTF-8"})
    assert english.stdout.splitlines()[0].split()[:3] == ["Urgency", "Number", "Title"]

    everything = run_json(check, "inbox", "--view", "all", "--limit", "0")
    assert everything["total"] > todo["total"]
    assert all(r["task_id"] is None for r in everything["rows"])
    target = todo["rows"][0]
    found = run_json(check, "inbox", "--view", "all", "--search", target["title"])
    assert found["search"] == target["title"]
    assert target["document_id"] in {r["document_id"] for r in found["rows"]}
    assert 0 < found["total"] < everything["total"]
    nothing = run_cli("inbox", "--view", "all", "--search", "子虚乌有的公文标题甲乙丙")
    assert nothing.returncode == 0 and "没有公文" in nothing.stdout
    done = run_json(check, "inbox", "--view", "done", "--limit", "0")["rows"]
    assert done and all(r["task_kind"] != "read" and r["task_status"] != "pending" for r in done)
    circulate = run_json(check, "inbox", "--view", "circulate", "--limit", "0")["rows"]
    assert all(r["task_kind"] == "read" for r in circulate)

    # show: a document with opinions and attachments, by id and by 文号.
    with platform_db(platform) as conn:
        doc_id, number, n_opinions = conn.execute(
            "SELECT d.id, d.doc_number, (SELECT count(*) FROM opinion o "
            "WHERE o.document_id = d.id) FROM document d WHERE d.attachments != '[]' "
            "AND EXISTS (SELECT 1 FROM task t WHERE t.document_id = d.id "
            "AND t.assignee_id = 'u-zhangjianguo') AND EXISTS (SELECT 1 FROM opinion o "
            "WHERE o.document_id = d.id) ORDER BY d.id").fetchone()
    shown = run_json(check, "show", doc_id)
    assert shown["document"]["id"] == doc_id and shown["document"]["doc_number"] == number
    assert shown["document"]["digest_matches"]
    assert len(shown["opinions"]) == n_opinions and shown["attachments"]
    assert all(o["verdict"] == "valid" and o["local_state"] == "" for o in shown["opinions"])
    assert any(t["assignee_id"] == "u-zhangjianguo" for t in shown["tasks"])
    by_number = run_json(check, "show", number)["document"]
    assert by_number["id"] == doc_id and by_number["is_read"]  # the first show marked it read
    ascii_number = number.replace("〔", "[").replace("〕", "]")
    assert run_json(check, "show", ascii_number)["document"]["id"] == doc_id
    text = run_cli("show", number)
    assert text.returncode == 0, text.stderr
    for heading in ("办理环节", "意见", "正文与附件", "签名有效", "张建国", number):
        assert heading in text.stdout, heading
    assert re.search(r"收文时间\s+\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", text.stdout)
    one_line_error(run_cli("show", "no-such-document"), 1, "本机没有这份公文")

    # A 文号 two documents share names neither: usage, both ids listed.
    twin = register_document(platform, raw_session(platform, "wangli"), ["u-zhangjianguo"],
                             title="关于同号公文的测试函", doc_number=target["doc_number"])
    assert run_cli("sync").returncode == 0
    for args in (("show", target["doc_number"]),
                 ("sign", target["doc_number"], "--decision", "approve")):
        run = run_cli(*args)
        one_line_error(run, 2, target["document_id"])
        assert twin in run.stderr

    notices = run_json(check, "notices")
    assert notices["total"] == len(notices["rows"]) > 0
    listing = run_cli("notices")
    assert listing.returncode == 0 and "待确认" in listing.stdout
    assert all(n["title"][:10] in listing.stdout for n in notices["rows"])
    one_line_error(run_cli("ack", "no-such-notice"), 1, "本机没有这条通知")

    # Sign-off errors: the service's rules (protocol/workflow_rules.py), nothing queued.
    status_before = run_cli("status").stdout
    instruct = next(r for r in todo["rows"] if r["task_kind"] == "instruct")
    task, doc = instruct["task_id"], instruct["document_id"]
    cases = [
        (("sign", "no-such-task", "--decision", "approve"), 1, "没有这项待办"),
        (("sign", task, "--decision", "办结"), 2, "不能作出该处理决定"),
        (("sign", task, "--decision", "frobnicate"), 2, "不能作出该处理决定"),
        (("sign", doc, "--decision", "forward"), 2, "请选择转送的人员"),
        (("sign", task, "--decision", "转办", "--to", "zhangjianguo"), 2, "不能转办给自己"),
        (("sign", task, "--decision", "return"), 2, "请填写退回理由"),
        (("sign", task, "--decision", "forward", "--to", "nobody"), 2, "不在通讯录中"),
        (("sign", task, "--decision", "approve", "--countersign-to", "lihua"), 2,
         "不能作出该处理决定"),
    ]
    for args, code, message in cases:
        one_line_error(run_cli(*args), code, message)
    assert run_cli("sign", task).returncode == 2  # --decision is required
    again = run_json(check, "inbox", "--limit", "0")
    assert {r["task_id"] for r in again["rows"]} >= {task}
    assert all(r["local_state"] == "" for r in again["rows"])
    assert run_cli("status").stdout == status_before
    check.assert_all_seen("inbox", "show", "notices")


def test_sign_and_ack_offline_then_sync_reach_the_platform_once(fresh_platform) -> None:
    platform = fresh_platform
    check = SchemaCheck()
    _sign_in(platform)
    todo = run_json(check, "inbox", "--limit", "0")
    instruct = next(r for r in todo["rows"] if r["task_kind"] == "instruct")
    task, number = instruct["task_id"], instruct["doc_number"]
    notice = next(n for n in run_json(check, "notices")["rows"]
                  if n["requires_ack"] and not n["acked"])

    platform.stop()
    assert run_cli("sync").returncode == 4  # really offline
    text = "同意，请市财政局按程序办理。"
    # By 文号: the leader's one pending task on it; the recipient by username.
    signed = run_json(check, "sign", number, "--decision", "同意", "--text", text,
                      "--to", "chenming")
    assert signed["task_id"] == task and signed["decision"] == "approve"
    assert signed["state"] == "queued" and signed["document_id"] == instruct["document_id"]
    one_line_error(run_cli("sign", task, "--decision", "approve"), 1, "已经办理")
    one_line_error(run_cli("sign", number, "--decision", "approve"), 1, "没有待办理")

    after = run_json(check, "inbox", "--limit", "0")
    assert task not in {r["task_id"] for r in after["rows"]}
    assert after["total"] == todo["total"] - 1
    done = run_json(check, "inbox", "--view", "done", "--limit", "0")
    assert next(r for r in done["rows"] if r["task_id"] == task)["local_state"] == "pending_sync"
    task_doc = instruct["document_id"]
    local = [o for o in run_json(check, "show", task_doc)["opinions"] if o["text"] == text]
    assert len(local) == 1 and local[0]["local_state"] == "pending_sync"
    assert local[0]["id"] == f"local:{signed['op_id']}" and local[0]["verdict"] == "valid"
    assert local[0]["forward_to"] == ["u-chenming"] and local[0]["key_id"] == signed["key_id"]
    human = run_cli("show", task_doc)
    assert "待同步" in human.stdout and text in human.stdout

    acked = run_json(check, "ack", notice["id"])
    assert acked == {"notice_id": notice["id"], "title": notice["title"], "queued": True}
    assert run_json(check, "ack", notice["id"])["queued"] is False
    row = next(n for n in run_json(check, "notices")["rows"] if n["id"] == notice["id"])
    assert row["acked"] and row["local_state"] == "pending_sync"
    assert "已确认（待同步）" in run_cli("notices").stdout

    platform.start()
    synced = run_cli("sync")
    assert synced.returncode == 0, synced.stderr
    assert run_cli("sync").returncode == 0  # a second sync sends nothing again

    with platform_db(platform) as conn:
        opinions = conn.execute("SELECT decision, text, forward_to, author_id FROM opinion "
                                "WHERE task_id = ?", (task,)).fetchall()
        status = conn.execute("SELECT status FROM task WHERE id = ?", (task,)).fetchone()[0]
        acks = conn.execute("SELECT count(*) FROM receipt WHERE notice_id = ? AND kind = 'ack' "
                            "AND user_id = 'u-zhangjianguo'", (notice["id"],)).fetchone()[0]
    assert len(opinions) == 1
    decision, stored_text, forward_to, author = opinions[0]
    assert (decision, stored_text, json.loads(forward_to), author) == (
        "approve", text, ["u-chenming"], "u-zhangjianguo")
    assert status == "done" and acks == 1

    synced_view = [o for o in run_json(check, "show", task_doc)["opinions"] if o["text"] == text]
    assert len(synced_view) == 1 and synced_view[0]["local_state"] == ""
    assert not synced_view[0]["id"].startswith("local:") and synced_view[0]["verdict"] == "valid"
    row = next(n for n in run_json(check, "notices")["rows"] if n["id"] == notice["id"])
    assert row["acked"] and row["local_state"] == ""
    check.assert_all_seen("sign", "ack")


@pytest.mark.parametrize("command", ["inbox", "notices"])
def test_desk_commands_need_an_account(command: str) -> None:
    one_line_error(run_cli(command), 3, "尚未登录")

