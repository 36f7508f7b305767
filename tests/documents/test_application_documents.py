"""附件1, 附件2 and the bound dossier of a real application: Art. 12 order, page numbers, footers,
the cache, and who may open them (404 for everyone else)."""

from __future__ import annotations

import io
import time
from pathlib import Path

from pypdf import PdfReader

from processes.documents import forms
from tests.documents.conftest import Docs, pdf_bytes
from tests.documents.data import UNIT
from tests.documents.readers import docx_text, embedded_fonts, in_order, outline_titles, page_count, pdf_text, squash

DOCS = ("documents/m01.pdf", "documents/m01.docx", "documents/m02.pdf", "documents/m02.docx", "dossier.pdf")
ART12 = ["目录", "（一）推荐表（附件1）", "（二）申请报告（附件2）", "（三）法人证书或营业执照副本（复印件）",
         "（四）上年度专项审计报告及服务收入、支出审计", "（五）固定经营服务场所证明（产权证或租赁合同）",
         "（六）开展服务的证明材料（通知、照片、总结等）", "（七）“信用中国”无不良和失信记录的信用报告",
         "（八）省级以上资质、网站ICP备案、相关许可证", "（九）与合作服务机构的合作协议",
         "（十）收费标准及对小微企业的收费优惠办法；公益性或低收费服务证明",
         "（十一）上年末社保缴纳名单、人员学历及职称证书",
         "（十二）其他证明材料及材料真实性声明（签字盖章）", "（十三）为“专精特新”、瞪羚等企业服务的证明"]


def test_dossier_in_art12_order_with_contents_bookmarks_and_footer(docs: Docs):
    bk = docs.apply_full()["business_key"]
    docs.recommend_full()
    m01 = pdf_bytes(docs.get("reviewer", f"/api/v1/applications/{bk}/documents/m01.pdf"))
    m02 = pdf_bytes(docs.get("reviewer", f"/api/v1/applications/{bk}/documents/m02.pdf"))
    started = time.perf_counter()
    r = docs.get("reviewer", f"/api/v1/applications/{bk}/dossier.pdf")
    dossier = pdf_bytes(r)
    assert time.perf_counter() - started < 10
    assert "inline" in r.headers["Content-Disposition"] and "filename*=UTF-8''" in r.headers["Content-Disposition"]

    outline = outline_titles(dossier)
    assert [t for t, _ in outline] == ART12
    uploads = sum(pages for _, _, pages in docs.files.values())
    contents = outline[1][1]  # the first material starts after the contents page(s)
    assert contents == 1
    assert page_count(dossier) == contents + page_count(m01) + page_count(m02) + uploads
    starts = [p for _, p in outline]
    assert starts == sorted(starts)
    assert starts[2] - starts[1] == page_count(m01) and starts[3] - starts[2] == page_count(m02)

    reader = PdfReader(io.BytesIO(dossier))
    total = len(reader.pages)
    first = squash(reader.pages[0].extract_text())
    assert in_order(first, ["目录", *ART12[1:]]) == []
    assert f"{starts[1] + 1}" in first  # 附件1 starts on the page the contents say
    for i in (0, starts[3], total - 1):  # contents, an uploaded scan, the last page
        assert squash(f"{UNIT} · 第 {i + 1} / {total} 页") in squash(reader.pages[i].extract_text()), i
    assert all(embedded for _, embedded in embedded_fonts(dossier))
    assert in_order(squash(pdf_text(dossier)), forms.ANNEX1_SECTIONS + forms.ANNEX2_SECTIONS) == []


def test_dossier_is_cached_until_the_application_changes(docs: Docs, runtime):
    bk = docs.apply_full()["business_key"]
    folder = Path(runtime.settings.instance_path) / "documents" / bk
    url = f"/api/v1/applications/{bk}/dossier.pdf"
    first = pdf_bytes(docs.get("county-dongchangfu", url))
    built = sorted(p.name for p in folder.glob("dossier-*.pdf"))
    assert len(built) == 1
    mtime = (folder / built[0]).stat().st_mtime_ns
    started = time.perf_counter()
    assert pdf_bytes(docs.get("county-dongchangfu", url)) == first
    assert time.perf_counter() - started < 1.5  # served from the cache
    assert (folder / built[0]).stat().st_mtime_ns == mtime
    docs.recommend_full()  # 附件1 now carries the county's evaluation: the dossier is rebuilt
    second = pdf_bytes(docs.get("county-dongchangfu", url))
    assert second != first
    rebuilt = sorted(p.name for p in folder.glob("dossier-*.pdf"))
    assert len(rebuilt) == 1 and rebuilt != built  # the old version is gone
    assert "经核查，该平台符合认定条件。" in pdf_text(second)


def test_documents_are_404_for_those_who_may_not_see_the_application(docs: Docs):
    bk = docs.apply_full()["business_key"]
    docs.apply_full("applicant2")  # another unit, another county (临清市)
    docs.recommend_full()
    docs.review(experts=["expert1", "expert2"])
    for user in ("applicant2", "county-linqing", "expert3"):
        for doc in DOCS:
            r = docs.get(user, f"/api/v1/applications/{bk}/{doc}")
            assert r.status_code == 404, (user, doc, r.status_code)
    for user in ("applicant1", "county-dongchangfu", "reviewer", "admin", "expert1"):
        for doc in DOCS:
            r = docs.get(user, f"/api/v1/applications/{bk}/{doc}")
            assert r.status_code == 200, (user, doc, r.status_code)
    assert docs.get(None, f"/api/v1/applications/{bk}/dossier.pdf").status_code == 401


def test_word_download_names_and_types(docs: Docs):
    bk = docs.apply_full()["business_key"]
    docs.recommend_full()
    r = docs.get("county-dongchangfu", f"/api/v1/applications/{bk}/documents/m01.docx")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment") and "filename*=UTF-8''" in cd and "%E6%8E%A8%E8%8D%90%E8%A1%A8" in cd  # 推荐表
    text = squash(docx_text(r.get_data()))
    assert UNIT in text and "东昌府区" in text and "☑上门拜访" in text and "☑电话询问" in text
    assert in_order(text, forms.ANNEX1_SECTIONS) == []


def test_documents_wait_for_the_submission(docs: Docs):
    bk = docs.start()["business_key"]
    assert docs.get("applicant1", f"/api/v1/applications/{bk}/documents/m02.pdf").status_code == 404
    assert docs.get("applicant1", f"/api/v1/applications/{bk}/dossier.pdf").status_code == 404


def test_pages_link_the_documents_and_the_web_routes_hide_them(docs: Docs, app):
    from tests.support.pages import PageClient

    bk = docs.apply_full()["business_key"]
    task = docs.task("county-dongchangfu", "county_review")
    own = PageClient(app, "county-dongchangfu")
    page = own.get(f"/tasks/{task['id']}").get_data(as_text=True)
    for testid in ("dossier-link", "doc-m01-pdf", "doc-m01-docx", "doc-m02-pdf", "doc-m02-docx"):
        assert f'data-testid="{testid}"' in page, testid
    r = own.get(f"/applications/{bk}/documents/m02.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    other = PageClient(app, "county-linqing")
    for doc in DOCS:
        assert other.get(f"/applications/{bk}/{doc}").status_code == 404, doc
    assert app.test_client().get(f"/applications/{bk}/dossier.pdf").status_code == 302  # log in first
