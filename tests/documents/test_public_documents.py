"""The certificate (Art. 14, 17), the publicity notice (Art. 13), the round's list (Art. 14), revocation
notices (Art. 20, 21) and the exports, read back with pypdf and openpyxl."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from processes.clock import CST
from processes.documents.labels import cn_date, cn_period
from processes.services.core import Actor
from tests.documents.conftest import Docs, pdf_bytes, xlsx_rows
from tests.documents.data import UNIT
from tests.documents.readers import embedded_fonts, pdf_text, squash
from tests.support.pages import PageClient


def granted(docs: Docs) -> str:
    bk = docs.apply_full()["business_key"]
    docs.recommend_full()
    docs.review()
    docs.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    docs.decide()
    docs.set_clock("2026-10-12T09:00:00+08:00")
    assert docs.application(bk)["status"] == "granted"
    return bk


def register_id(docs: Docs) -> int:
    return docs.api.as_user("admin").get("/api/v1/register").get_json()[0]["id"]


def test_certificate_carries_number_dates_and_the_register_link(docs: Docs, app: Any):
    bk = granted(docs)
    # the finished instance still gives the whole 附件1 and 附件2
    annex1 = squash(pdf_text(pdf_bytes(docs.get("reviewer", f"/api/v1/applications/{bk}/documents/m01.pdf"))))
    assert "刘建国" in annex1 and "聊城大学" in annex1 and "服务企业" in annex1 and "同意推荐" in annex1
    annex2 = squash(pdf_text(pdf_bytes(docs.get("applicant1", f"/api/v1/applications/{bk}/documents/m02.pdf"))))
    assert "聊城市东昌府区服务企业129科技有限公司" in annex2 and "员工21" in annex2
    rid = register_id(docs)
    pdf = pdf_bytes(docs.get("applicant1", f"/api/v1/register/{rid}/certificate.pdf"))
    text = squash(pdf_text(pdf))
    assert "聊城市中小企业公共服务示范平台" in text and "证书" in text and UNIT in text
    assert "LCSME-2026-001" in text
    entry = docs.api.as_user("admin").get("/api/v1/register").get_json()[0]
    valid_from, valid_to = cn_date(entry["valid_from"]), cn_date(entry["valid_to"])
    assert valid_to.startswith("2029年")  # Art. 17: three years from the grant
    assert f"{valid_from}至{valid_to}" in text
    assert "聊城市工业和信息化局" in text and f"http://127.0.0.1:5000/public/register/{rid}" in text
    assert all(embedded for _, embedded in embedded_fonts(pdf))
    for user in ("reviewer", "admin"):
        assert docs.get(user, f"/api/v1/register/{rid}/certificate.pdf").status_code == 200
    for user in ("applicant2", "county-linqing", "expert1"):
        assert docs.get(user, f"/api/v1/register/{rid}/certificate.pdf").status_code == 404, user
    # the register shows the link to those who may download it, and the entry page to everyone
    page = PageClient(app, "applicant1").get("/public/register").get_data(as_text=True)
    assert f'data-testid="certificate-{rid}"' in page and "Excel" in page
    public = app.test_client()
    assert f'data-testid="certificate-{rid}"' not in public.get("/public/register").get_data(as_text=True)
    page = public.get(f"/public/register/{rid}").get_data(as_text=True)
    assert UNIT in page and "LCSME-2026-001" in page and "东昌府区" in page and valid_to in page
    assert public.get(f"/register/{rid}/certificate.pdf").status_code == 302  # to the login page


def test_publicity_page_links_the_notice(docs: Docs, app: Any):
    docs.apply_full()
    docs.recommend_full()
    docs.review()
    docs.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    docs.decide()
    page = app.test_client().get("/public/").get_data(as_text=True)
    assert 'href="/public/notices/publicity/2026-09-28.pdf"' in page
    text = squash(pdf_text(pdf_bytes(app.test_client().get("/public/notices/publicity/2026-09-28.pdf"))))
    assert UNIT in text and "公示期：2026年9月29日至" in text


def test_publicity_notice_round_list_and_revocation_notice(docs: Docs, app: Any, runtime):
    bk = granted(docs)
    # published Monday 28 September: the period starts the next day (民法典 第二百零一条)
    period = cn_period("2026-09-29", docs.application(bk)["publicity_end"])
    assert period.startswith("2026年9月29日至10月")
    public = app.test_client()
    index = public.get("/public/notices").get_data(as_text=True)
    assert period in index
    notice = squash(pdf_text(pdf_bytes(public.get("/public/notices/publicity/2026-09-28.pdf"))))
    assert f"公示期：{period}（5个工作日）" in notice and UNIT in notice and "东昌府区" in notice
    assert "第十三条" in notice and "异议" in notice and "姓名、联系方式和异议理由" in notice
    page = public.get("/public/notices/publicity/2026-09-28").get_data(as_text=True)
    assert period in page and 'data-testid="notice-pdf"' in page
    assert "0635-8" not in page  # no personal data on public pages

    listing = squash(pdf_text(pdf_bytes(public.get("/api/v1/notices/rounds/2026.pdf"))))
    assert "关于公布2026年度聊城市中小企业公共服务示范平台名单的通知" in listing
    assert UNIT in listing and "LCSME-2026-001" in listing and "第十四条" in listing

    from processes.supervision import services as sup

    rid = register_id(docs)
    with runtime.uow() as u:
        from sqlalchemy import select

        from processes.models import User

        uid = u.s.scalar(select(User.id).where(User.username == "reviewer"))
    rev = sup.revoke(runtime.uow(), Actor(uid, "reviewer", "municipal_reviewer"), rid, "第二十一条",
                     "经查实，该平台伪造服务合同。")
    text = squash(pdf_text(pdf_bytes(public.get(f"/public/notices/revocations/{rev['id']}.pdf"))))
    assert UNIT in text and "第二十一条" in text and "伪造服务合同" in text and "撤销" in text
    assert "3年内" in text and "2029年" in text  # Art. 21: no application for 3 years
    assert 'href="/public/notices/revocations/' in public.get("/supervision/revocations").get_data(as_text=True)
    # a revoked title has no certificate any more
    assert docs.get("reviewer", f"/api/v1/register/{rid}/certificate.pdf").status_code == 404
    assert docs.application(bk)["status"] == "granted"


def test_exports_open_in_openpyxl_with_names_not_codes(docs: Docs, app: Any, runtime):
    granted(docs)
    docs.start("applicant2")  # a draft in 临清市
    rows = xlsx_rows(app.test_client().get("/public/register.xlsx"))
    assert rows[0][:5] == ["序号", "单位名称", "统一社会信用代码", "所在县（市、区）", "状态"]
    assert rows[1][1] == UNIT and rows[1][3] == "东昌府区" and rows[1][4] == "有效" and rows[1][5] == "LCSME-2026-001"
    csv_body = app.test_client().get("/public/register.csv")
    assert csv_body.mimetype == "text/csv" and UNIT in csv_body.get_data().decode("utf-8-sig")

    apps = xlsx_rows(docs.get("reviewer", "/api/v1/exports/rounds/2026/applications.xlsx"))
    assert apps[0][5:7] == ["当前阶段", "结果"]
    by_unit = {r[2]: r for r in apps[1:]}
    assert by_unit[UNIT][4] == "东昌府区" and by_unit[UNIT][5] == "已办结" and by_unit[UNIT][6] == "已认定"
    assert by_unit[UNIT][8].startswith("2026年9月29日至10月") and by_unit[UNIT][9] == "LCSME-2026-001"
    assert by_unit[UNIT][7].startswith("2026-09-28 ")  # Beijing time
    assert len(apps) == 3 and any(r[5] == "填报中" and r[6] == "办理中" for r in apps[1:])
    county = xlsx_rows(docs.get("county-linqing", "/api/v1/exports/rounds/2026/applications.xlsx"))
    assert [r[4] for r in county[1:]] == ["临清市"]
    assert docs.get("applicant1", "/api/v1/exports/rounds/2026/applications.xlsx").status_code == 403

    _quarterly_reports(runtime)
    comp = xlsx_rows(docs.get("reviewer", "/api/v1/exports/quarterly-compliance.xlsx?year=2026"))
    assert comp[0][:8] == ["年度", "季度", "县（市、区）", "应报平台数", "按时报送", "逾期报送", "逾期未报", "未到期"]
    table = {(r[1], r[2]): r for r in comp[1:]}
    assert table[("第2季度", "东昌府区")][3:9] == [3, 1, 1, 1, 0, "33.3"]
    assert table[("第2季度", "临清市")][3:9] == [1, 1, 0, 0, 0, "100"]
    own = xlsx_rows(docs.get("county-linqing", "/api/v1/exports/quarterly-compliance.xlsx"))
    assert {r[2] for r in own[1:]} == {"临清市"}

    done = xlsx_rows(docs.get("reviewer", "/api/v1/exports/tasks/done.xlsx"))
    assert done[0][1] == "事项" and {r[1] for r in done[1:]} >= {"市局审核（第十三条）", "审核决定"}
    mine = PageClient(app, "applicant2")
    assert "导出" in mine.get("/tasks/mine").get_data(as_text=True)
    rows = xlsx_rows(mine.get("/exports/tasks/mine.xlsx"))
    assert len(rows) == 2 and rows[1][1] == "填写申报书（附件2）并上传材料" and rows[1][5] == "临清市"
    assert rows[0][2] == "单位名称" and rows[0][4] == "流程"


def _quarterly_reports(runtime) -> None:
    """Q2 2026: 东昌府区 one on time, one late, one never filed; 临清市 one on time."""
    from processes.supervision.models import QuarterlyReport

    now = datetime(2026, 9, 28, 9, tzinfo=CST)
    specs = [("dongchangfu", now - timedelta(days=90), False), ("dongchangfu", now - timedelta(days=70), True),
             ("dongchangfu", None, False), ("linqing", now - timedelta(days=90), False)]
    with runtime.uow() as u:
        for i, (county, submitted, late) in enumerate(specs, start=1):
            u.s.add(QuarterlyReport(register_id=100 + i, credit_code=f"X{i}", unit_name=f"平台{i}", county=county,
                                    year=2026, quarter=2, business_key=f"qr-2026-2-{i}", status="accepted"
                                    if submitted else "open", due_date=date(2026, 7, 15),
                                    aggregate_due=date(2026, 7, 25), submitted_at=submitted, late=late, chase_count=0,
                                    flagged_missing=False, returns=0, figures={}, created_at=now, updated_at=now))
        u.commit()
