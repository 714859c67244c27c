"""Helpers for the 发文 and 公文交换 tests: a county with a drafting office, its 办公室主任,
the mayor, clerks, and towns with clerks (and, for the upward chain, a town's own drafter
and leader); signed 发文 steps made like the client makes them.

The county is created in the test process on the platform's own database (as
workflow_helpers.make_county does); everything else goes over HTTP as real ops.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from protocol import docbody
from protocol.canonical import outgoing_digest, step_message
from tests.server.workflow_helpers import PASSWORD, Api, uid

TOWNS = ("富锦镇", "长安镇", "砚山镇", "头林镇", "兴隆岗镇", "宏胜镇", "向阳川镇", "二龙山镇",
         "上街基镇", "锦山镇", "大榆树镇")
CST = timezone(timedelta(hours=8))


def now_signed_at() -> str:
    """A signing time now: the platform refuses one before the key's enrolment."""
    return datetime.now(CST).replace(microsecond=0).isoformat()


SIGNED_AT = now_signed_at()  # for the year and date of a 成文日期


def tiny_png() -> bytes:
    """A valid 1x1 PNG (the seal only has to be a PNG to be registered)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"\x00\xff\x00\x00"  # one red RGB pixel after its filter byte
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@dataclass
class ExchangeCounty:
    tag: str
    units: dict[str, str] = field(default_factory=dict)   # short -> unit id
    users: dict[str, str] = field(default_factory=dict)   # short -> username
    ids: dict[str, str] = field(default_factory=dict)     # short -> user id
    towns: list[str] = field(default_factory=list)        # town unit ids, in TOWNS order


def make_exchange_county(db_url: str, *, towns: int = len(TOWNS)) -> ExchangeCounty:
    """市政府 with 市政府办公室 (drafter, 办公室主任 as reviewer, clerk; series 富政办发 and
    富政办函; a seal), the mayor, and `towns` towns with a clerk each; 二龙山镇 also has a
    drafter and a leader (镇长), series 二龙山镇请 and a seal; an exchange account of
    佳木斯市人民政府办公室."""
    from server import directory, security
    from server.db import init_database
    from server.workflow.numbering import add_series, set_seal

    init_database(db_url)
    tag = f"x{uuid.uuid4().hex[:6]}"
    c = ExchangeCounty(tag)
    pw = security.hash_password(PASSWORD)

    def unit(short: str, name: str, kind: str, parent: str | None) -> str:
        c.units[short] = directory.create_unit(name, kind, unit_id=f"{tag}-{short}",
                                               parent_id=parent).id
        return c.units[short]

    def person(short: str, unit_short: str, roles: list[str], title: str) -> None:
        username = f"{tag}_{short}"
        user = directory.create_user(username, PASSWORD, f"{title}{short}", c.units[unit_short],
                                     roles, title, password_hash=pw)
        c.users[short], c.ids[short] = username, user.id

    root = unit("root", f"富锦市{tag}", "county", None)
    unit("gov", "富锦市人民政府", "county", root)
    unit("office", "富锦市人民政府办公室", "office", root)
    unit("jms", "佳木斯市人民政府办公室", "external", None)
    for i, name in enumerate(TOWNS[:towns]):
        c.towns.append(unit(f"town{i}", f"{name}人民政府", "town", root))
        person(f"town{i}_clerk", f"town{i}", ["clerk"], "文书")
    person("drafter", "office", ["staff"], "秘书")
    person("reviewer", "office", ["reviewer"], "办公室主任")
    person("clerk", "office", ["clerk"], "文书")
    person("mayor", "gov", ["leader"], "市长")
    person("jms", "jms", ["exchange"], "收发员")
    person("admin", "office", ["admin"], "网络管理员")
    add_series(c.units["office"], "富政办发", "富锦市人民政府办公室")
    add_series(c.units["office"], "富政办函")
    admin = c.ids["clerk"]  # who registered the seal is only recorded
    set_seal(admin, c.units["office"], tiny_png())
    if towns > 7:
        erl = "town7"
        person("erl_drafter", erl, ["staff"], "党政办主任")
        person("erl_leader", erl, ["leader"], "镇长")
        add_series(c.units[erl], "二龙山镇请")
        set_seal(admin, c.units[erl], tiny_png())
    return c


def body(*paragraphs: str) -> dict[str, Any]:
    return docbody.from_paragraphs(paragraphs)


def submit_data(c: ExchangeCounty, *, title: str, doc_type: str = "通知",
                series: str = "富政办发", main: list[dict[str, Any]] | None = None,
                signatory: str = "mayor", reviewer: str | None = "reviewer",
                text: tuple[str, ...] = ("为做好春季防火工作，现将有关事项通知如下。",),
                in_reply_to: str | None = None, **extra: Any) -> dict[str, Any]:
    b = body(*text)
    return {
        "outgoing_id": uid(), "doc_type": doc_type, "title": title,
        "main_recipients": main if main is not None else [
            {"name": "各镇人民政府", "unit_ids": list(c.towns)}],
        "cc": [], "classification": "none", "urgency": "normal", "notes": "",
        "attachments": [], "signatory_id": c.ids[signatory],
        "reviewer_id": c.ids[reviewer] if reviewer else None, "countersigner_ids": [],
        "series": series, "body": b, "body_sha256": docbody.body_sha256(b),
        "in_reply_to": in_reply_to, **extra,
    }


def pending_step(api: Api, outgoing_id: str, kind: str | None = None) -> dict[str, Any]:
    api.pull()
    steps = [s for s in api.objects("outgoing_step", outgoing_id=outgoing_id,
                                    assignee_id=api.id, status="pending")
             if kind in (None, s["kind"])]
    assert len(steps) == 1, steps
    return steps[0]


def step_data(api: Api, step: dict[str, Any], decision: str, *, text: str = "",
              new_body: dict[str, Any] | None = None, note: str = "",
              signed_at: str | None = None, digest: str | None = None) -> dict[str, Any]:
    """The outgoing.step data the client sends: signed over the digest of the version on
    screen (with a new body: the new version's digest)."""
    out = api.state[("outgoing", step["outgoing_id"])]
    data: dict[str, Any] = {"step_id": step["id"], "decision": decision, "text": text}
    sha = out["body_sha256"]
    if new_body is not None:
        sha = docbody.body_sha256(new_body)
        data.update(body=new_body, body_sha256=sha, version_note=note)
    if digest is None:
        digest = outgoing_digest(out, body_sha256=sha)
    data["outgoing_digest"] = digest
    if step["kind"] != "revise":
        assert api.signer is not None, "register a key first"
        signed_at = signed_at or now_signed_at()
        message = step_message(step_id=step["id"], outgoing_id=out["id"], outgoing_digest=digest,
                               decision=decision, text=text, handwriting_sha256=None,
                               signer_id=api.id, signed_at=signed_at)
        data.update(handwriting_sha256=None, signed_at=signed_at,
                    signature=api.signer.sign(message))
    return data


def do_step(api: Api, outgoing_id: str, decision: str, **kw: Any) -> dict[str, Any]:
    step = pending_step(api, outgoing_id)
    return api.op("outgoing.step", step_data(api, step, decision, **kw))


def applied(result: dict[str, Any]) -> None:
    assert result["status"] == "applied", result


def issue(clerk: Api, outgoing_id: str) -> None:
    """编号, 用印, 核发 by the drafting unit's clerk."""
    for op in ("outgoing.number", "outgoing.seal", "outgoing.issue"):
        applied(clerk.op(op, {"outgoing_id": outgoing_id}))
