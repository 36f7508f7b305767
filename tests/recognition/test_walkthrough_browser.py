"""One application walked through every role by the UI alone, in Debian's Chromium, as each person
would: the applicant imports 130 served enterprises and 22 staff from Excel, types the rest, uploads
all materials (real PDFs and PNGs of several MB) without losing what was typed, checks before
submitting and submits; the county draws on the sample, replaces an unreachable enterprise with the
next drawn one and recommends; the reviewer opens a material and returns the application for
supplement with a reason the applicant sees and answers by editing the form; the same reviewer gets
it back, sends it to an on-site check and the experts, who open the materials and score; the reviewer
sees all of it and approves; during publicity the public objects and gets a receipt number; the
objection is dismissed, the period ends, the title is granted and the applicant sees 已认定 and is
notified. Screenshots of each step go to test-artifacts/screenshots/walk-*.png.

The set-up (diagrams deployed, the round opened) is an administrator's one-off and goes through the
API; every step of the application goes through the pages.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from processes.settings import Settings, load_settings
from tests.recognition.conftest import CREDIT_CODE, Recognition
from tests.support.files import scan_pdf
from tests.support.pages import Session

pytestmark = pytest.mark.browser
MB = 1024 * 1024
UNIT = "聊城市中小企业综合服务中心有限公司"
RETURN_REASON = "请补充2025年度专项审计报告（材料四），并核对服务企业名单第1行的联系电话。"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Real-size uploads: the production limit of 20 MB per request (the test default is 2 MB)."""
    return load_settings("test", instance_path=str(tmp_path / "instance"), database_url=db_url, upload_max_mb=20)


@pytest.fixture
def recognition(api: Any) -> Recognition:
    helper = Recognition(api)
    helper.deploy()
    helper.open_round()
    return helper


# -- real files -------------------------------------------------------------------------------------

def noise_png(target: int) -> bytes:
    """A PNG of about ``target`` bytes (random pixels do not compress)."""
    from PIL import Image

    side = int((target / 3) ** 0.5)
    im = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def materials(folder: Path) -> dict[str, Path]:
    out = {}
    for i in range(3, 14):
        mkey = f"m{i:02d}"
        if mkey in ("m05", "m13"):
            path, content = folder / f"{mkey}-照片.png", noise_png(int(2.5 * MB))
        else:
            path, content = folder / f"{mkey}-扫描件.pdf", scan_pdf(int(3 * MB))
        path.write_bytes(content)
        out[mkey] = path
    return out


def workbook(template: Path, rows: list[dict[str, Any]], target: Path) -> Path:
    """The downloaded Excel template filled in: values matched to the header labels."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb.active
    header = [str(c.value or "").rstrip("*") for c in ws[1]]
    for row in rows:
        ws.append([row.get(h, "") for h in header])
    wb.save(target)
    return target


SERVED = [{"服务企业名称": f"聊城市服务企业{i:03d}有限公司", "联系人": f"联系人{i:03d}", "联系人职务": "总经理",
           "联系电话": f"0635-8{i:06d}", "服务内容简述": "技术咨询与培训",
           "专精特新/瞪羚等称号": "是" if i < 12 else "否", "企业满意度": "满意"} for i in range(130)]
STAFF = [{"姓名": f"员工{i:02d}", "年龄": 28 + i, "学历": "本科", "毕业学校": "聊城大学", "职称": "中级",
          "主管工作": "服务专员"} for i in range(22)]


# -- helpers ------------------------------------------------------------------------------------------

def shot(s: Session, name: str) -> None:
    s.shot(f"walk-{name}")


def flash(s: Session) -> str:
    return s.page.locator(".flash").first.inner_text()


def editor_rows(s: Session, field: str) -> Any:
    return s.page.locator(f"table.grid[data-table={field}] tbody tr")


def type_row(s: Session, field: str, index: int, values: dict[str, str]) -> None:
    rows = editor_rows(s, field)
    if rows.count() <= index:
        s.page.locator(f"[data-table-editor={field}] button.add-row").click()
    row = editor_rows(s, field).nth(index)
    for col, value in values.items():
        cell = row.locator(f"[data-col={col}]")
        if cell.evaluate("e => e.tagName") == "SELECT":
            cell.select_option(value)
        else:
            cell.fill(value)


def open_task(s: Session, name: str, claim: bool = False) -> None:
    """From the person's lists to the task: 待认领 → 认领 first when it waits in a queue."""
    if claim:
        s.goto("/tasks/claimable")
        s.page.locator("tbody tr", has_text=name).first.locator("button", has_text="认领").click()
        expect(s.page.locator(".flash.ok")).to_contain_text("已认领")
    s.goto("/tasks/mine")
    s.page.locator("tbody tr", has_text=name).first.locator("a").first.click()
    s.page.wait_for_selector("#taskform")


def fill_application(s: Session) -> None:
    p = s.page
    for fid, value in {"unit_name": "聊城市中小企业综合服务中心有限公司", "credit_code": CREDIT_CODE,
                       "legal_representative": "张三", "address": "聊城市东昌府区柳园路1号", "postcode": "252000",
                       "contact_name": "李四", "contact_phone": "0635-8888888", "mobile": "13800000000",
                       "email": "service@example.cn", "website": "https://sme.example.cn",
                       "icp_number": "鲁ICP备00000001号", "registered_capital_wan": "500", "total_assets_wan": "800",
                       "equipment_sets": "40", "equipment_value_wan": "260", "floor_area_owned_m2": "1200",
                       "floor_area_rented_m2": "300", "staff_total": "22", "staff_qualified": "20",
                       "smes_served_last_year": "130", "smes_titled_served": "12", "satisfaction_rate": "96",
                       "low_fee_share": "25", "partner_agencies": "6", "public_interest_scale": "300家次",
                       "low_fee_scale": "500家次",
                       "partner_units_agreement": "聊城市科技服务中心\n聊城大学技术转移中心",
                       "qualifications": "省级中小企业公共服务示范平台",
                       "government_support": "2025年获市级专项资金支持"}.items():
        p.fill(f"#in-{fid}", value)
    p.select_option("#in-unit_nature", "enterprise")
    p.fill("#in-registration_date", "2019-03-15")
    chapters = ["平台基本情况", "所在区域产业情况", "管理制度与服务流程", "近年服务情况", "服务特色", "服务成效与贡献",
                "发展规划"]
    for fid, title in zip(("basic", "region", "management", "services", "features", "results", "plans"), chapters,
                          strict=True):
        p.fill(f"#in-narrative_{fid}", f"{title}：\n第一段说明……\n第二段说明……")
    type_row(s, "investors", 0, {"name": "聊城某投资有限公司", "nature": "企业", "share": "100"})
    for i, (year, served) in enumerate(((2023, 95), (2024, 110), (2025, 130))):
        type_row(s, "yearly", i, {"year": str(year), "revenue_wan": str(500 + 100 * i), "smes_served": str(served)})
    type_row(s, "services", 0, {"content": "企业培训", "scale": "1200人次", "share": "40"})
    type_row(s, "functions", 0, {"function": "training", "trainees": "1200", "activities": "30"})
    type_row(s, "equipment_list", 0, {"name": "检测设备", "sets": "10", "value_wan": "100"})


def import_table(s: Session, field: str, rows: list[dict[str, Any]], tmp: Path) -> None:
    with s.page.expect_download() as dl:
        s.page.locator(f"#field-{field} a", has_text="下载 Excel 模板").click()
    template = tmp / f"{field}-template.xlsx"
    dl.value.save_as(template)
    filled = workbook(template, rows, tmp / f"{field}.xlsx")
    s.page.set_input_files(f"input[name=import_{field}]", str(filled))
    s.page.locator(f"#field-{field} button", has_text="导入 Excel/CSV").click()
    expect(s.page.locator(".flash.ok")).to_contain_text(f"已导入 {len(rows)} 行")
    expect(editor_rows(s, field)).to_have_count(len(rows))


def upload(s: Session, mkey: str, path: Path) -> None:
    row = s.page.locator(f"tr[data-material={mkey}]")
    row.locator("input[type=file]").set_input_files(str(path))
    row.locator("button", has_text="上传").click()
    expect(row.locator(f"[data-testid=open-{mkey}]")).to_have_text(path.name)


def decide(s: Session, field: str, value: str) -> None:
    s.page.click(f"button[name={field}][value={value}]")


def fetch_status(s: Session, url: str) -> tuple[int, str, str, bytes]:
    r = s.page.request.get(s.base + url)
    return r.status, r.headers.get("content-type", ""), r.headers.get("content-disposition", ""), r.body()


def test_one_application_through_every_role(open_session, recognition, tmp_path, api, runtime):
    files = materials(tmp_path)

    # -- 1. the applicant fills the application, imports the lists, uploads, checks, submits ----------
    applicant = open_session("applicant1")
    applicant.page.click("nav.sidenav >> text=发起申请")
    applicant.page.click("form.start-item:has-text('示范平台认定') button")
    applicant.page.wait_for_selector("#taskform")
    shot(applicant, "01-applicant-empty-form")
    fill_application(applicant)
    # the lists come from Excel: the import keeps what was typed (saved as the draft) and fills the table
    import_table(applicant, "served_list", SERVED, tmp_path)
    import_table(applicant, "staff_list", STAFF, tmp_path)
    assert applicant.page.input_value("#in-unit_name") == "聊城市中小企业综合服务中心有限公司"
    assert editor_rows(applicant, "yearly").count() == 3
    assert editor_rows(applicant, "served_list").nth(129).locator("[data-col=enterprise]").input_value() \
        == "聊城市服务企业129有限公司"
    shot(applicant, "02-applicant-imported")
    # typed but not saved, then every material uploaded in place: no reload, nothing lost
    applicant.page.evaluate("window.__sameDocument = true")
    applicant.page.fill("#in-narrative_plans", "发展规划：三年内服务企业达到300家……")
    for mkey, path in files.items():
        upload(applicant, mkey, path)
    assert applicant.page.evaluate("window.__sameDocument === true")
    assert applicant.page.input_value("#in-narrative_plans") == "发展规划：三年内服务企业达到300家……"
    # the autosave kept the draft meanwhile
    expect(applicant.page.get_by_test_id("autosave-status")).to_contain_text("已自动保存")
    shot(applicant, "03-applicant-uploaded")
    # opening an uploaded material: a PDF inline, an image shown
    status, mime, disposition, body = fetch_status(applicant, applicant.page.get_by_test_id("open-m03")
                                                   .get_attribute("href"))
    assert status == 200 and mime == "application/pdf" and disposition.startswith("inline") and body[:5] == b"%PDF-"
    # the check before submitting: every rule with its article, format errors beside the fields
    applicant.page.fill("#in-postcode", "25200")
    applicant.page.get_by_test_id("precheck-button").click()
    result = applicant.page.get_by_test_id("precheck-result")
    expect(result).to_have_attribute("data-passed", "0")
    expect(applicant.page.locator("#field-postcode .field-error.live")).to_contain_text("6 位数字")
    shot(applicant, "04-applicant-precheck-error")
    applicant.page.fill("#in-postcode", "252000")
    applicant.page.get_by_test_id("precheck-button").click()
    expect(result).to_have_attribute("data-passed", "1")
    text = result.text_content() or ""
    assert "第七条(二)" in text and "近两年服务企业数稳步增长" in text and "2024年 110 家、2025年 130 家" in text
    assert "strictly" not in text and "{'" not in text and "cross." not in text
    shot(applicant, "05-applicant-precheck-passed")
    # submit: the whole application is a few dozen fields, whatever the size of its tables
    posted: list[Any] = []
    applicant.page.on("request", lambda r: posted.append(r) if r.method == "POST" and "/tasks/" in r.url else None)
    applicant.page.click("button[value=submit]")
    expect(applicant.page.locator(".flash.ok")).to_contain_text("下一步")
    body = posted[-1].post_data_buffer or b""
    assert len(body) < 1 * MB and body.count(b"Content-Disposition: form-data") < 100, len(body)
    assert "东昌府区县级主管部门" in flash(applicant)
    shot(applicant, "06-applicant-submitted")
    applicant.goto("/instances")
    applicant.page.locator("tbody tr a").first.click()
    expect(applicant.page.get_by_test_id("steps")).to_contain_text("县级推荐")
    expect(applicant.page.locator("[data-step=county]")).to_have_class(re.compile("step-current"))
    business_key = applicant.page.locator(".meta b").first.inner_text()
    shot(applicant, "07-applicant-progress")

    # -- 2. the county: the drawn sample prefilled, one replaced with a reason, the survey, recommend ---
    county = open_session("county-dongchangfu")
    open_task(county, "县级预审", claim=True)
    record = county.page.get_by_test_id("record-application")
    assert "企业" in record.inner_text() and "enterprise" not in record.inner_text()
    survey = editor_rows(county, "survey_samples")
    expect(survey).to_have_count(10)
    expect(county.page.get_by_test_id("sample-seed")).to_have_text(re.compile(r"^\d+$"))
    expect(county.page.get_by_test_id("sample-reserve")).to_contain_text("聊城市服务企业")
    drawn = [survey.nth(i).locator("[data-col=enterprise]").input_value() for i in range(10)]
    assert all(d.startswith("聊城市服务企业") for d in drawn)
    survey.nth(3).locator("button.replace-row").click()
    replaced = survey.nth(3)
    assert replaced.locator("[data-col=replaces]").input_value() == drawn[3]
    assert replaced.locator("[data-col=enterprise]").input_value() not in drawn
    replaced.locator("[data-col=replacement_reason]").fill("电话三次无人接听，企业已搬迁")
    for i in range(10):
        survey.nth(i).locator("[data-col=rating]").select_option("very_satisfied" if i % 3 else "satisfied")
    county.page.check("input[name=survey_method_phone][value=true]")
    county.page.fill("#in-county_fill_date", "2026-09-28")
    for item in ("7_1a", "7_1d", "7_2e", "7_3a", "7_4a", "7_4b", "7_5c", "8_4_checklist"):
        county.page.check(f"input[name=confirm_{item}][value=true]")
    county.page.fill("#in-county_opinion", "经核查，该平台服务业绩突出，测评满意度高，同意推荐。")
    shot(county, "08-county-survey")
    decide(county, "county_decision", "recommend")
    expect(county.page.locator(".flash.ok")).to_contain_text("市局审核")
    shot(county, "09-county-recommended")

    # -- 3. the reviewer opens the evidence and returns the application for supplement -----------------
    reviewer = open_session("reviewer")
    open_task(reviewer, "市局审核", claim=True)
    expect(reviewer.page.get_by_test_id("record-county")).to_contain_text("同意推荐")
    expect(reviewer.page.get_by_test_id("record-county")).to_contain_text("很满意")
    expect(reviewer.page.get_by_test_id("survey-satisfaction")).to_contain_text("96")
    with reviewer.page.expect_popup() as popup:
        reviewer.page.get_by_test_id("open-m05").click()
    image = popup.value
    image.wait_for_load_state()
    assert image.evaluate("document.images.length && document.images[0].naturalWidth") > 500
    image.close()
    status, mime, disposition, body = fetch_status(reviewer, reviewer.page.get_by_test_id("download-m04")
                                                   .get_attribute("href"))
    assert status == 200 and mime == "application/pdf" and disposition.startswith("attachment")
    shot(reviewer, "10-reviewer-record")
    reviewer.page.select_option("#in-review_action", "supplement")
    reviewer.page.fill("#in-review_reasons", RETURN_REASON)
    reviewer.page.click("button[value=submit]")
    expect(reviewer.page.locator(".flash.ok")).to_contain_text("补正")

    # -- 4. the applicant reads the reason, edits the form and a table, re-uploads, answers -----------
    applicant.goto("/notifications")
    expect(applicant.page.locator("ul.notes")).to_contain_text("请补充2025年度专项审计报告")
    shot(applicant, "11-applicant-notified-return")
    open_task(applicant, "补正材料")
    expect(applicant.page.get_by_test_id("supplement-request")).to_contain_text("请补充2025年度专项审计报告")
    first = editor_rows(applicant, "served_list").nth(0)
    first.locator("[data-col=phone]").fill("0635-8123456")
    applicant.page.fill("#in-contact_phone", "0635-8888999")
    upload(applicant, "m04", files["m04"])
    applicant.page.fill("#in-supplement_response", "已重新上传2025年度专项审计报告；已更正第1行企业的联系电话。")
    shot(applicant, "12-applicant-supplement")
    applicant.page.click("button[value=submit]")
    expect(applicant.page.locator(".flash.ok")).to_contain_text("下一步")
    assert "市局审核员" in flash(applicant) or "审核员" in flash(applicant)

    # -- 5. back to the same reviewer: the answer is there; on-site check and the expert panel --------
    reviewer.goto("/tasks/mine")
    expect(reviewer.page.locator("tbody tr", has_text="市局审核")).to_have_count(1)
    open_task(reviewer, "市局审核")
    expect(reviewer.page.get_by_test_id("record-supplements")).to_contain_text("已重新上传2025年度专项审计报告")
    expect(reviewer.page.get_by_test_id("record-supplements")).to_contain_text("联系电话")
    shot(reviewer, "13-reviewer-sees-supplement")
    reviewer.page.select_option("#in-review_action", "proceed")
    reviewer.page.check("input[name=onsite_check][value=true]")
    for expert in ("expert1", "expert2", "expert3"):
        reviewer.page.check(f"input[name=experts][value={expert}]")
    reviewer.page.click("button[value=submit]")
    expect(reviewer.page.locator(".flash.ok")).to_contain_text("现场核实")
    open_task(reviewer, "现场核实", claim=True)
    reviewer.page.fill("#in-onsite_date", "2026-09-28")
    reviewer.page.fill("#in-onsite_findings", "经现场核实，服务场所、设备与申报一致，服务台账完整。")
    reviewer.page.check("input[name=onsite_passed][value=true]")
    reviewer.page.click("button[value=submit]")
    expect(reviewer.page.locator(".flash.ok")).to_contain_text("专家评审")

    # -- 6. the experts open the materials and score -------------------------------------------------
    for n, expert in enumerate(("expert1", "expert2", "expert3"), start=1):
        e = open_session(expert)
        open_task(e, "专家评审")
        status, mime, _disp, _body = fetch_status(e, e.page.get_by_test_id("open-m03").get_attribute("href"))
        assert status == 200 and mime == "application/pdf"
        expect(e.page.get_by_test_id("record-onsite")).to_contain_text("服务场所、设备与申报一致")
        e.page.select_option("#in-verdict", "approve")
        e.page.fill("#in-opinion", f"专家{n}：服务能力突出，材料齐全，同意认定。")
        e.page.fill("#in-score", str(86 + n))
        if n == 1:
            shot(e, "14-expert-review")
        e.page.click("button[value=submit]")
        expect(e.page.locator(".flash.ok")).to_contain_text("已提交")

    # -- 7. the reviewer sees findings and scores, approves ------------------------------------------
    open_task(reviewer, "审核决定", claim=True)
    expect(reviewer.page.get_by_test_id("record-experts")).to_contain_text("专家2：服务能力突出")
    expect(reviewer.page.get_by_test_id("expert-score").nth(2)).to_have_text("89")
    expect(reviewer.page.get_by_test_id("record-onsite")).to_contain_text("现场核实通过：是")
    shot(reviewer, "15-reviewer-decision")
    reviewer.page.fill("#in-decision_reasons", "经审核并参考专家组意见，评审合格，进入公示。")
    decide(reviewer, "final_decision", "approve")
    expect(reviewer.page.locator(".flash.ok")).to_contain_text("公示")

    # -- 8. publicity: the public objects and gets a receipt number ---------------------------------
    applicant.goto(f"/instances?q={business_key}")
    applicant.page.locator("tbody tr a").first.click()
    expect(applicant.page.get_by_test_id("publicity-info")).to_contain_text("2026-10-10")
    expect(applicant.page.locator("[data-step=publicity]")).to_contain_text("截止 2026-10-10")
    shot(applicant, "16-applicant-publicity")
    public = open_session()
    public.goto("/public/")
    expect(public.page.get_by_test_id("publicity-table")).to_contain_text("聊城市中小企业综合服务中心有限公司")
    public.page.locator("tbody tr", has_text=UNIT).locator("a", has_text="提出异议").click()
    public.page.fill("#in-name", "王五")
    public.page.fill("#in-contact", "13900000000")
    public.page.fill("#in-reasons", "该平台上年服务企业数量存在虚报。")
    public.page.click("button[type=submit]")
    receipt = public.page.get_by_test_id("receipt-no").inner_text()
    assert re.fullmatch(r"YY\d{8}-\d{5}-[0-9A-F]{6}", receipt), receipt
    shot(public, "17-public-receipt")
    public.goto("/public/objections")
    public.page.fill("#in-receipt", receipt)
    public.page.click("button[type=submit]")
    expect(public.page.get_by_test_id("receipt-status")).to_contain_text("待核查")

    open_task(reviewer, "异议核查", claim=True)
    expect(reviewer.page.get_by_test_id("objection")).to_contain_text("虚报")
    reviewer.page.fill("#in-investigation_findings", "经核查服务台账和抽样回访，服务企业数量属实，异议不成立。")
    decide(reviewer, "objection_decision", "dismissed")
    expect(reviewer.page.locator(".flash.ok")).to_contain_text("已提交")
    public.goto(f"/public/objections/{receipt}")
    expect(public.page.get_by_test_id("receipt-status")).to_contain_text("异议不成立")

    # -- 9. the period ends (the demo clock), the title is granted -----------------------------------
    admin = open_session("admin")
    admin.goto("/admin/clock")
    admin.page.fill("[data-testid=clock-advance] input[name=duration]", "P14D")
    admin.page.click("[data-testid=clock-advance] button")
    expect(admin.page.locator(".flash.ok").first).to_contain_text("时钟已调整")

    applicant.goto(f"/instances?q={business_key}")
    expect(applicant.page.get_by_test_id("case-state").first).to_have_text("已认定")
    applicant.page.locator("tbody tr a").first.click()
    expect(applicant.page.get_by_test_id("outcome")).to_have_text("已认定")
    expect(applicant.page.get_by_test_id("record-outcome")).to_contain_text("证书编号")
    expect(applicant.page.locator("[data-step=granted]")).to_have_class(re.compile("step-done"))
    timeline = applicant.page.get_by_test_id("timeline").inner_text()
    assert "退回补正" in timeline and "请补充2025年度专项审计报告" in timeline and "withdraw" not in timeline
    assert "publicity_wait" not in timeline and "sp_publicity" not in timeline
    shot(applicant, "18-applicant-granted")
    applicant.goto("/notifications")
    expect(applicant.page.locator("ul.notes")).to_contain_text("已认定为示范平台")
    shot(applicant, "19-applicant-notifications")
    # the reviewer's 已办 says what was decided
    reviewer.goto("/tasks/done")
    done = reviewer.page.get_by_test_id("done-decision").all_inner_texts()
    assert "退回补正" in done and "通过，进入公示" in done and "异议不成立" in done, done
    shot(reviewer, "20-reviewer-done")
    assert json.dumps(done, ensure_ascii=False)
