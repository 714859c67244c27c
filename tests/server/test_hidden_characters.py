"""Issue 13, finding 11, against a real platform: titles, 文号, issuers and attachment
names are stored without bidi overrides, invisible or control characters."""

from __future__ import annotations

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, County, make_county, register, sign_in


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform) -> tuple[dict[str, Api], County]:
    county = make_county(live.db_url, only=["clerk", "proposer", "publisher", "town_a"])
    return sign_in(live.base_url, county), county


def test_document_fields_are_stored_clean(people) -> None:  # noqa: ANN001
    p, county = people
    doc = register(p["clerk"], county, title="关于\u202e知通的作工汛防好做\u200b",
                   doc_number="佳政函\u200b〔2005〕\u200d85号", issuer="佳木斯市\u2066人民政府\u2069",
                   attachments=[{"name": "../附件\u202efdp.exe",
                                 "sha256": p["clerk"].put_blob(b"MZ", "application/pdf")}])
    assert doc["title"] == "关于知通的作工汛防好做"
    assert doc["doc_number"] == "佳政函〔2005〕85号"
    assert doc["issuer"] == "佳木斯市人民政府"
    assert [a["name"] for a in doc["attachments"]] == ["_附件fdp.exe"]
    p["proposer"].pull()
    stored = p["proposer"].state[("document", doc["id"])]
    assert stored["title"] == doc["title"] and stored["doc_number"] == doc["doc_number"]


def test_notice_title_and_attachment_names_are_stored_clean(people) -> None:  # noqa: ANN001
    p, county = people
    sha = p["publisher"].put_blob(b"%PDF-1.4 x", "application/pdf")
    data = {"client_ref": "hidden-1", "title": "停电\u200b通知\u202e", "body": "正文\u202e。",
            "audience_unit_ids": [county.units["town_a"]], "requires_ack": False,
            "urgent": False, "expires_at": None,
            "attachments": [{"name": "安排\u202efdp.bat", "sha256": sha}]}
    assert p["publisher"].op("notice.publish", data)["status"] == "applied"
    p["town_a"].pull()
    (notice,) = [n for n in p["town_a"].objects("notice") if n["title"].startswith("停电")]
    assert notice["title"] == "停电通知" and notice["body"] == "正文。"
    assert [a["name"] for a in notice["attachments"]] == ["安排fdp.bat"]
    # A title of nothing but invisible characters is no title.
    bad = {**data, "client_ref": "hidden-2", "title": "\u200b\u202e"}
    assert p["publisher"].op("notice.publish", bad)["status"] == "rejected"
