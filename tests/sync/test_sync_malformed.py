"""A platform answering nonsense gives a clear error and leaves the cache as it was.

The cache is first filled from the real platform; then a tiny HTTP server on 127.0.0.1
(the one place a fake server is right: a real platform never answers like this) serves
hypothesis-generated broken answers to /changes and /ops.
"""

from __future__ import annotations

import copy
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synckit import cache_versions, login, pending_tasks, sign

from client import models
from client.config import Settings
from client.errors import GovDeskError, NetworkError, ProtocolError
from client.sync.api import PlatformApi
from client.sync.engine import SyncEngine, SyncReport


class FakePlatform:
    """Serves a fixed meta and whatever body the test sets for the next calls."""

    def __init__(self, instance_id: str) -> None:
        self.meta = {"protocol": 1, "server_version": "0", "min_client_version": "0",
                     "server_time": "2005-10-19T09:30:00+08:00", "instance_id": instance_id}
        self.status = 200
        self.body = b"{}"
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if self.path.startswith("/api/v1/meta"):
                    status, body, headers = 200, json.dumps(fake.meta).encode(), {
                        "Content-Type": "application/json"}
                else:
                    status, body, headers = fake.status, fake.body, fake.headers
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _snapshot() -> tuple[Any, ...]:
    state = models.sync_state()
    ops = list(models.OutboxOp.select(models.OutboxOp.op_id, models.OutboxOp.state,
                                      models.OutboxOp.attempts).tuples())
    return (cache_versions(), state.cursor, state.instance_id, state.generation,
            state.resync_in_progress, ops)


@pytest.fixture(scope="module")
def filled(demo_template, tmp_path_factory):
    """A profile synced from a real platform, then the platform's stand-in."""
    import os

    import govdesk_test_keyring
    import keyring

    from server.embedded import EmbeddedPlatform

    tmp = tmp_path_factory.mktemp("malformed")
    mp = pytest.MonkeyPatch()
    mp.setenv("GOVDESK_HOME", str(tmp / "home"))
    mp.setenv("GOVDESK_TEST_KEYRING_FILE", str(tmp / "keyring.json"))
    mp.setenv("GOVDESK_MACHINE_CONFIG", str(tmp / "none.toml"))
    mp.setenv("GOVDESK_POLICY_FILE", str(tmp / "none.toml"))
    previous = keyring.get_keyring()
    keyring.set_keyring(govdesk_test_keyring.FileKeyring())
    import shutil

    src, accounts = demo_template
    (tmp / "p").mkdir()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(str(src) + suffix):
            shutil.copy(str(src) + suffix, str(tmp / "p" / "platform.db") + suffix)
    with EmbeddedPlatform(tmp / "p" / "platform.db", demo=False) as platform:
        profile = login(platform, "zhangjianguo")
        # One sign-off waits in the outbox, so /ops answers are exercised too.
        sign(profile, pending_tasks(profile)[0], "同意。")
    fake = FakePlatform(models.sync_state().instance_id)
    api = PlatformApi(fake.base_url, Settings(http_retries=0, read_timeout=5))
    api.set_access_token("test-access-token", 3600)
    yield profile, fake, api
    fake.close()
    profile.close()
    keyring.set_keyring(previous)
    mp.undo()


def _valid_page() -> dict[str, Any]:
    doc = models.Document.select().first()
    data = dict(models.load_document(doc.id)[1]) if hasattr(models, "load_document") else {}
    task = models.Task.select().first()
    return {"changes": [
        {"seq": 10_000, "type": "document", "id": doc.id, "op": "upsert",
         "data": {**data, "version": doc.version + 1, "title": "改动后的标题"}},
        {"seq": 10_001, "type": "task", "id": task.id, "op": "upsert",
         "data": {**task.data, "version": task.version + 1}},
        {"seq": 10_002, "type": "unit", "id": "fujin-xxzx", "op": "delete", "data": None},
    ], "cursor": "bmV3LWN1cnNvcg", "has_more": False}


BREAKS = {
    "seq_text": lambda c: c.__setitem__("seq", str(c["seq"])),
    "no_id": lambda c: c.pop("id"),
    "id_number": lambda c: c.__setitem__("id", 7),
    "bad_op": lambda c: c.__setitem__("op", "merge"),
    # An unknown type is ignored (docs/protocol.md); an empty one is malformed.
    "type_empty": lambda c: c.__setitem__("type", ""),
    "data_list": lambda c: c.__setitem__("data", [1, 2]) if c["op"] == "upsert" else
    c.__setitem__("op", 5),
    "version_text": lambda c: c["data"].__setitem__("version", "2") if c["data"] else
    c.__setitem__("seq", None),
    "data_id_differs": lambda c: c["data"].__setitem__("id", "other") if c["data"] else
    c.__setitem__("id", ""),
}
PAGE_BREAKS = {
    "cursor_number": lambda p: p.__setitem__("cursor", 12),
    "cursor_empty": lambda p: p.__setitem__("cursor", ""),
    "has_more_text": lambda p: p.__setitem__("has_more", "no"),
    "changes_object": lambda p: p.__setitem__("changes", {"a": 1}),
    "no_changes": lambda p: p.pop("changes"),
    "seq_backwards": lambda p: p["changes"][1].__setitem__("seq", 1),
}


@st.composite
def broken_bodies(draw: st.DrawFn) -> tuple[int, bytes, dict[str, str]]:
    kind = draw(st.sampled_from(["change", "page", "text", "json", "truncated", "gzip",
                                 "status"]))
    json_headers = {"Content-Type": "application/json"}
    if kind in ("change", "page", "truncated"):
        page = copy.deepcopy(_valid_page())
        if kind == "change":
            i = draw(st.integers(0, len(page["changes"]) - 1))
            BREAKS[draw(st.sampled_from(sorted(BREAKS)))](page["changes"][i])
        elif kind == "page":
            PAGE_BREAKS[draw(st.sampled_from(sorted(PAGE_BREAKS)))](page)
        body = json.dumps(page, ensure_ascii=False).encode()
        if kind == "truncated":
            body = body[: draw(st.integers(0, len(body) - 1))]
        return 200, body, json_headers
    if kind == "text":
        return 200, draw(st.binary(max_size=200)), json_headers
    if kind == "json":
        value = draw(st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(["changes", "cursor", "has_more", "results",
                                               "x"]), inner, max_size=4),
            max_leaves=10))
        return 200, json.dumps(value).encode(), json_headers
    if kind == "gzip":
        return 200, b"\x1f\x8b" + draw(st.binary(min_size=1, max_size=50)), {
            **json_headers, "Content-Encoding": "gzip"}
    status = draw(st.sampled_from([400, 404, 418, 500, 502]))
    return status, draw(st.sampled_from([b"<html>Bad Gateway</html>", b"", b"{\"code\": 5}"])), {
        "Content-Type": draw(st.sampled_from(["text/html", "application/problem+json"]))}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(answer=broken_bodies(), endpoint=st.sampled_from(["pull", "push"]))
def test_malformed_answers_give_clear_errors_and_change_nothing(filled, answer,
                                                                endpoint) -> None:
    profile, fake, api = filled
    fake.status, fake.body, fake.headers = answer
    before = _snapshot()
    engine = SyncEngine(api, None, prefetch=False)
    if endpoint == "pull":
        with pytest.raises(GovDeskError) as err:
            engine.pull(SyncReport(), lambda p: None)
        exc = err.value
        assert isinstance(exc, ProtocolError | NetworkError) or exc.code.startswith("http."), exc
        assert exc.message and "\n" not in exc.message
        assert _snapshot() == before
        return
    # Push: the op is neither lost nor taken as done; it waits for a later attempt. An
    # answer that may hide an applied op (garbled, truncated, a gateway's 5xx) leaves it
    # "sent" for the next sync to replay; the platform's own refusal queues it again.
    op = models.OutboxOp.get(models.OutboxOp.type == "task.complete")
    report = SyncReport()
    engine.push(report, lambda p: None)
    after = models.OutboxOp.get_by_id(op.id)
    assert after.attempts == op.attempts + 1
    if report.answers_lost:
        assert after.state == "sent" and report.answers_lost == 1
    else:
        assert after.state == "queued" and report.failed_ops == 1
    assert report.pushed == {}
    assert _snapshot()[:5] == before[:5]
    models.OutboxOp.update(attempts=0, next_attempt_at=0, state="queued").where(
        models.OutboxOp.id == op.id).execute()


def test_a_valid_answer_from_the_stand_in_is_applied(filled) -> None:
    """Control: the harness itself does not make every answer fail."""
    profile, fake, api = filled
    page = _valid_page()
    fake.status, fake.body, fake.headers = 200, json.dumps(page).encode(), {
        "Content-Type": "application/json", "Content-Encoding": "gzip"}
    fake.body = gzip.compress(fake.body)
    engine = SyncEngine(api, None, prefetch=False)
    engine.pull(SyncReport(), lambda p: None)
    doc_id = page["changes"][0]["id"]
    assert models.Document.get(models.Document.id == doc_id).title == "改动后的标题"
    assert models.sync_state().cursor == page["cursor"]


@pytest.mark.parametrize("body", [
    # A lone surrogate could never be stored as UTF-8 text: refused before anything.
    b'{"changes": [], "cursor": "\\ud800", "has_more": false}',
    b"[" * 5000 + b"]" * 5000,  # nesting no page has: refused, not a RecursionError
    '{"changes": [], "cursor": "c", "has_more": false}'.encode("utf-16"),  # JSON is UTF-8
], ids=["lone_surrogate", "nested_5000", "utf16"])
def test_json_a_platform_never_sends_is_malformed(filled, body: bytes) -> None:
    profile, fake, api = filled
    fake.status, fake.body, fake.headers = 200, body, {"Content-Type": "application/json"}
    before = _snapshot()
    with pytest.raises(ProtocolError) as err:
        SyncEngine(api, None, prefetch=False).pull(SyncReport(), lambda p: None)
    assert err.value.code == "protocol.malformed"
    assert _snapshot() == before
