"""附件1 推荐表 and 附件2 申请报告 at real sizes, as PDF and as Word, read back with pypdf / python-docx."""

from __future__ import annotations

import pytest

from processes.documents import forms, word
from processes.documents.labels import cn_date, cn_period
from processes.documents.render import render_pdf
from tests.documents.data import COUNTIES, PROFILES, UNIT, rendered_data, served_rows
from tests.documents.readers import docx_text, embedded_fonts, in_order, page_count, pdf_text, squash

ANNEX2_LABELS = ("注册日期", "单位性质", "法人代表", "注册地址", "邮政编码", "联系人", "联系电话", "手机",
                 "网址及备案号", "电子邮件", "主要投资方名称", "投资比例", "上年末总资产", "占总资产", "服务场地面积",
                 "从业人数",
                 "营业收入", "服务收入", "利润总额", "上缴税金", "获得专业服务资质情况", "服务收入占年营业收入%",
                 "公益性服务规模", "低收费服务规模", "签订合作协议单位", "其他合作单位", "得到政府扶持的情况")


@pytest.fixture(scope="module")
def data() -> dict:
    return rendered_data()


@pytest.fixture(scope="module")
def annex1_pdf(data: dict) -> bytes:
    return render_pdf("annex1.html", forms.recommendation_context(data, COUNTIES, PROFILES))


@pytest.fixture(scope="module")
def annex2_pdf(data: dict) -> bytes:
    return render_pdf("annex2.html", forms.application_context(data, COUNTIES))


def test_dates_are_written_as_on_paper():
    assert cn_date("2026-09-28") == "2026年9月28日"
    assert cn_date("2026-09-27T16:30:00+00:00") == "2026年9月28日"  # Beijing time
    assert cn_period("2026-09-29", "2026-10-10T15:59:59+00:00") == "2026年9月29日至10月10日"


def test_annex1_pdf_sections_experts_survey_and_names_not_codes(annex1_pdf: bytes, data: dict):
    text = squash(pdf_text(annex1_pdf))
    assert UNIT in text and "东昌府区" in text and "dongchangfu" not in text
    assert in_order(text, forms.ANNEX1_SECTIONS) == []
    assert in_order(text, ["专家姓名", "职务/职称", "工作单位", "签字"]) == []
    for name, profile in PROFILES.items():
        assert profile["display_name"] in text
        assert profile["employer"] in text or name == "expert2"  # expert2 typed their own employer
    assert "聊城大学" in text and "高级工程师" in text  # expert2's own entries win over the profile
    for s in data["survey"]["samples"]:
        assert squash(s["enterprise"]) in text and s["phone"] in text and s["person"] in text
    assert in_order(text, ["很满意", "基本满意", "不满意"]) == []
    assert "very_satisfied" not in text and "phone" not in text and "visit" not in text
    assert "2026年9月28日" in text  # filling date and the opinion's date
    assert "经核查，该平台符合认定条件。" in text and "（盖章）" in text
    assert text.count("√") == len(data["survey"]["samples"]) + 2  # one rating per row + 2 methods ticked


def test_annex2_pdf_every_section_and_table_in_order(annex2_pdf: bytes, data: dict):
    text = squash(pdf_text(annex2_pdf))
    assert UNIT in text and "聊城市工业和信息化局制" in text and "2026年9月28日" in text
    assert in_order(text, forms.ANNEX2_SECTIONS) == []
    assert in_order(text, ANNEX2_LABELS) == []
    assert in_order(text, ["序号", "名称", "数量", "购买时间", "购买价格", "是否处于行业领先水平"]) == []
    assert in_order(text, ["姓名", "年龄", "学历", "毕业学校", "职称", "主管工作", "不少于20人"]) == []
    assert in_order(text, ["服务企业名称", "联系人", "联系电话", "服务内容简述", "企业满意度", "满意", "不满意"]) == []
    for row in served_rows():
        assert squash(row["enterprise"]) in text, row["enterprise"]
    assert "上一年度共服务企业130家" in text
    for i in range(22):
        assert f"员工{i:02d}" in text
    assert "检测仪器00（JC-100）" in text and "2020年1月15日" in text
    assert "企业" in text and "enterprise" not in text and "2019年3月15日" in text
    assert "32.5" in text  # 仪器设备占总资产 % = 260 / 800
    for key in ("narrative_basic", "narrative_plans"):
        assert squash(data[key].splitlines()[-1])[:40] in text
    assert page_count(annex2_pdf) >= 10


def test_pdfs_embed_the_cjk_font(annex1_pdf: bytes, annex2_pdf: bytes):
    for pdf in (annex1_pdf, annex2_pdf):
        fonts = embedded_fonts(pdf)
        assert fonts and all(embedded for _, embedded in fonts), fonts


def test_annex2_escapes_markup():
    ctx = forms.application_context(rendered_data() | {"unit_name": "<b>平台&</b>"}, COUNTIES)
    assert "<b>平台&</b>" in pdf_text(render_pdf("annex2.html", ctx))


def test_word_files_carry_the_same_sections(data: dict):
    a1 = docx_text(word.annex1_docx(forms.recommendation_context(data, COUNTIES, PROFILES)))
    a2 = docx_text(word.annex2_docx(forms.application_context(data, COUNTIES)))
    t1, t2 = squash(a1), squash(a2)
    assert UNIT in t1 and "东昌府区" in t1 and in_order(t1, forms.ANNEX1_SECTIONS) == []
    assert all(p["display_name"] in t1 for p in PROFILES.values())
    assert "☑上门拜访" in t1 and "☑电话询问" in t1 and "☐网络互动" in t1
    assert all(squash(s["enterprise"]) in t1 for s in data["survey"]["samples"])
    assert "（盖章）" in t1 and "2026年9月28日" in t1
    assert UNIT in t2 and in_order(t2, forms.ANNEX2_SECTIONS) == [] and in_order(t2, ANNEX2_LABELS) == []
    assert all(squash(r["enterprise"]) in t2 for r in served_rows())
    assert "dongchangfu" not in t1 + t2 and "very_satisfied" not in t1 + t2


def test_survey_methods_several_may_apply():
    assert forms.survey_methods({"survey_method": "phone", "survey_method_visit": True,
                                 "survey_method_other": False}) == ["visit", "phone"]
    assert forms.survey_methods({"survey": {"methods": ["written"], "method": "online"}}) == ["online", "written"]
