"""Words of a document's body (PDF or text) are found by search once the body is on disk."""

from __future__ import annotations

from synckit import login, raw_session, register_document

from client.bodytext import extract_text, normalise
from client.services import search
from server.demo.pdf import render_plain_pdf

BODY_WORDS = "黑土地保护性耕作"


def test_pdf_body_text_is_indexed_after_prefetch(fresh_platform) -> None:
    body = render_plain_pdf("关于春季农业生产的通知", [
        "各乡镇人民政府：",
        f"为加快推进{BODY_WORDS}，现就有关事项通知如下。请各单位认真组织实施，确保按期完成。",
    ])
    doc_id = register_document(fresh_platform, raw_session(fresh_platform, "wangli"),
                               ["u-zhangjianguo"], title="关于春季农业生产的通知", body=body)
    profile = login(fresh_platform, "zhangjianguo")  # the first sync prefetches the body
    profile.index_bodies()  # after the sync (issue 13: never inside it)
    try:
        for query in (BODY_WORDS, "耕作", "黑土地"):
            hits = [h.id for h in search.search(query) if h.kind == "document"]
            assert doc_id in hits, query
        assert doc_id not in [h.id for h in search.search("耕地轮作试点")]
    finally:
        profile.close()


def test_extraction_is_best_effort_and_joins_broken_cjk_lines() -> None:
    assert normalise("网络与信\n息安全 工作") == "网络与信息安全工作"
    assert normalise("GovDesk 2.0\nrelease") == "GovDesk 2.0\nrelease"
    assert extract_text("县政府办公室".encode("gb18030"), "text/plain") == "县政府办公室"
    assert extract_text(b"%PDF-1.4\n garbage that is no PDF", "application/pdf") == ""
    assert extract_text(b"\x89PNG\r\n", "image/png") == ""
