"""Canonical JSON, document digests and sign-off payloads (PROTOCOL.md "Signatures")."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.canonical import (
    DOCUMENT_DIGEST_FIELDS,
    canonical_json,
    document_digest,
    document_digest_from_fields,
    signoff_message,
    signoff_payload,
)

H1 = "a" * 64
H2 = "b" * 64
H3 = "c" * 64


def sample_document() -> dict:
    """A PROTOCOL document object, with fields the digest must ignore as well."""
    return {
        "id": "doc-1",
        "version": 3,
        "updated_at": "2005-10-19T09:30:00+08:00",
        "doc_number": "佳政函〔2004〕85号",
        "issuer": "佳木斯市人民政府",
        "doc_type": "函",
        "title": "关于富锦市电子政务建设的复函",
        "classification": "none",
        "urgency": "urgent",
        "signatory": "张建国",
        "main_recipients": ["富锦市人民政府"],
        "cc": ["市财政局", "市信息中心"],
        "issued_on": "2004-12-01",
        "notes": "此件公开发布",
        "received_at": "2005-01-04T08:00:00+08:00",
        "registration_number": "收〔2005〕1号",
        "body": {"sha256": H1, "media_type": "application/pdf", "size": 1024},
        "attachments": [
            {"name": "附件1.pdf", "sha256": H2, "media_type": "application/pdf", "size": 10},
            {"name": "附件2.txt", "sha256": H3, "media_type": "text/plain", "size": 20},
        ],
        "status": "in_progress",
        "digest": "ignored",
    }


# --- canonical_json -----------------------------------------------------------------


def test_canonical_json_sorts_keys_without_spaces_and_keeps_chinese() -> None:
    data = {"title": "通知公告", "a": {"z": 1, "b": [True, None, "批示"]}, "B": 2}
    out = canonical_json(data)
    assert out == '{"B":2,"a":{"b":[true,null,"批示"],"z":1},"title":"通知公告"}'.encode()
    assert b"\\u" not in out
    assert "通知公告".encode() in out


def test_canonical_json_ignores_insertion_order() -> None:
    a = {"x": 1, "y": {"p": 1, "q": 2}}
    b = {"y": {"q": 2, "p": 1}, "x": 1}
    assert canonical_json(a) == canonical_json(b)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_canonical_json_rejects_nan_and_infinity(bad: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": [1, bad]})


def test_canonical_json_rejects_lone_surrogate() -> None:
    with pytest.raises(ValueError):
        canonical_json({"text": "\ud800"})


@pytest.mark.parametrize("bad", [{1: "a"}, {"a": {None: 1}}, [{2.5: 1}]])
def test_canonical_json_rejects_non_string_keys(bad: object) -> None:
    # json.dumps would write {1: ...} and {"1": ...} the same: ambiguous, so refused.
    with pytest.raises(TypeError):
        canonical_json(bad)


def test_canonical_json_rejects_unserialisable_values() -> None:
    with pytest.raises(TypeError):
        canonical_json({"s": {1, 2}})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_json_round_trips_and_is_a_fixed_point(value: object) -> None:
    out = canonical_json(value)
    assert json.loads(out.decode("utf-8")) == value
    assert canonical_json(json.loads(out)) == out


# --- document_digest ----------------------------------------------------------------


def test_document_digest_is_sha256_of_the_protocol_payload() -> None:
    # The exact canonical bytes, written out by hand from PROTOCOL.md.
    expected_payload = (
        '{"attachment_sha256s":["' + H2 + '","' + H3 + '"],"body_sha256":"' + H1 + '",'
        '"cc":["市财政局","市信息中心"],"classification":"none","doc_number":"佳政函〔2004〕85号",'
        '"doc_type":"函","issued_on":"2004-12-01","issuer":"佳木斯市人民政府",'
        '"main_recipients":["富锦市人民政府"],"notes":"此件公开发布","signatory":"张建国",'
        '"title":"关于富锦市电子政务建设的复函","urgency":"urgent","v":1}'
    ).encode("utf-8")
    digest = document_digest(sample_document())
    assert digest == hashlib.sha256(expected_payload).hexdigest()
    assert len(digest) == 64 and digest == digest.lower()


def test_document_digest_is_stable() -> None:
    doc = sample_document()
    assert document_digest(doc) == document_digest(copy.deepcopy(doc))
    reordered = dict(reversed(list(doc.items())))
    assert document_digest(reordered) == document_digest(doc)


@pytest.mark.parametrize("field", DOCUMENT_DIGEST_FIELDS)
def test_document_digest_changes_with_every_listed_field(field: str) -> None:
    doc = sample_document()
    before = document_digest(doc)
    value = doc[field]
    doc[field] = [*value, "另一单位"] if isinstance(value, list) else f"{value}改"
    assert document_digest(doc) != before
    doc[field] = None
    assert document_digest(doc) != before


def test_document_digest_changes_with_body_and_attachments() -> None:
    base = sample_document()
    before = document_digest(base)

    changed_body = sample_document()
    changed_body["body"]["sha256"] = "d" * 64
    assert document_digest(changed_body) != before

    swapped = sample_document()
    swapped["attachments"].reverse()
    assert document_digest(swapped) != before

    dropped = sample_document()
    dropped["attachments"].pop()
    assert document_digest(dropped) != before

    changed_attachment = sample_document()
    changed_attachment["attachments"][1]["sha256"] = "e" * 64
    assert document_digest(changed_attachment) != before


def test_document_digest_ignores_fields_outside_the_list() -> None:
    before = document_digest(sample_document())
    doc = sample_document()
    doc.update(status="archived", version=9, updated_at="2006-01-01T00:00:00+08:00",
               received_at=None, registration_number="x", digest="y", id="other")
    doc["body"]["size"] = 1
    doc["attachments"][0]["name"] = "改名.pdf"
    assert document_digest(doc) == before


def test_document_digest_matches_keyword_construction() -> None:
    doc = sample_document()
    fields = {f: doc[f] for f in DOCUMENT_DIGEST_FIELDS}
    assert document_digest_from_fields(
        **fields, body_sha256=H1, attachment_sha256s=(H2, H3)
    ) == document_digest(doc)


def test_document_digest_accepts_null_body_and_no_attachments() -> None:
    doc = sample_document()
    doc["body"] = None
    doc["attachments"] = []
    fields = {f: doc[f] for f in DOCUMENT_DIGEST_FIELDS}
    assert document_digest(doc) == document_digest_from_fields(
        **fields, body_sha256=None, attachment_sha256s=[])


@pytest.mark.parametrize("field", [*DOCUMENT_DIGEST_FIELDS, "body", "attachments"])
def test_document_digest_refuses_missing_fields(field: str) -> None:
    doc = sample_document()
    del doc[field]
    with pytest.raises(ValueError, match=field):
        document_digest(doc)


@pytest.mark.parametrize(
    "change",
    [
        {"body": {"media_type": "text/plain"}},
        {"body": "not an object"},
        {"attachments": "x"},
        {"attachments": [{"name": "no hash"}]},
        {"attachments": [None]},
    ],
)
def test_document_digest_refuses_malformed_body_or_attachments(change: dict) -> None:
    doc = sample_document()
    doc.update(change)
    with pytest.raises(ValueError):
        document_digest(doc)


# --- sign-off payload ---------------------------------------------------------------


def signoff_kwargs() -> dict:
    return {
        "task_id": "task-1",
        "document_id": "doc-1",
        "document_digest": H1,
        "decision": "forward",
        "text": "请财政局研究办理。",
        "handwriting_sha256": None,
        "forward_to": ["chenming", "zhouqiang"],
        "signer_id": "zhangjianguo",
        "signed_at": "2005-10-19T09:30:00+08:00",
    }


def test_signoff_payload_has_exactly_the_protocol_fields() -> None:
    payload = signoff_payload(**signoff_kwargs())
    assert set(payload) == {"v", "task_id", "document_id", "document_digest", "decision",
                            "text", "handwriting_sha256", "forward_to", "signer_id",
                            "signed_at"}
    assert payload["v"] == 1
    assert payload["forward_to"] == ["chenming", "zhouqiang"]


def test_signoff_message_is_canonical_json_of_payload() -> None:
    kwargs = signoff_kwargs()
    message = signoff_message(**kwargs)
    assert message == canonical_json(signoff_payload(**kwargs))
    assert "请财政局研究办理。".encode() in message
    assert json.loads(message)["decision"] == "forward"


def test_signoff_payload_copies_forward_to() -> None:
    kwargs = signoff_kwargs()
    targets = ["chenming"]
    kwargs["forward_to"] = targets
    payload = signoff_payload(**kwargs)
    targets.append("zhouqiang")
    assert payload["forward_to"] == ["chenming"]


def test_signoff_payload_refuses_string_forward_to_and_positional_args() -> None:
    kwargs = signoff_kwargs()
    kwargs["forward_to"] = "chenming"
    with pytest.raises(TypeError):
        signoff_payload(**kwargs)
    with pytest.raises(TypeError):
        signoff_payload(*signoff_kwargs().values())  # type: ignore[misc]


@pytest.mark.parametrize("field", list(signoff_kwargs()))
def test_signoff_message_changes_with_every_field(field: str) -> None:
    kwargs = signoff_kwargs()
    before = signoff_message(**kwargs)
    value = kwargs[field]
    if isinstance(value, list):
        kwargs[field] = value[:1]
    elif value is None:
        kwargs[field] = H2
    else:
        kwargs[field] = value + "x"
    assert signoff_message(**kwargs) != before
