"""Materials 1 and 2 of Art. 12, produced from the forms (附件1 推荐表, 附件2 申请报告).

Pure: task data in, a self-contained HTML document out (printable; the bound PDF dossier is built
from these and the uploads). Personal data stays inside the dossier, which only staff see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

NATURE_NAMES = {"enterprise": "企业", "public_institution": "事业单位", "social_organization": "社团法人"}
RATING_NAMES = {"very_satisfied": "很满意", "satisfied": "基本满意", "unsatisfied": "不满意"}
METHOD_NAMES = {"visit": "上门拜访", "phone": "电话询问", "online": "网络互动", "written": "书面征求", "other": "其他"}

FORM_FIELDS = (
    ("unit_name", "单位名称"), ("credit_code", "统一社会信用代码"), ("unit_nature", "单位性质"),
    ("registration_date", "成立日期"), ("legal_representative", "法定代表人"), ("address", "通讯地址"),
    ("postcode", "邮政编码"), ("contact_name", "联系人"), ("contact_phone", "联系电话"), ("mobile", "手机"),
    ("email", "电子邮箱"), ("website", "网站"), ("icp_number", "ICP备案号"),
    ("registered_capital_wan", "注册资本（万元）"), ("total_assets_wan", "上年末资产总额（万元）"),
    ("equipment_sets", "仪器设备（台/套）"), ("equipment_value_wan", "仪器设备购置值（万元）"),
    ("floor_area_owned_m2", "自有场地（㎡）"), ("floor_area_rented_m2", "租用场地（㎡）"),
    ("staff_total", "服务人员数"), ("staff_qualified", "其中大专及中级职称以上"),
    ("smes_served_last_year", "上年服务中小企业数"), ("smes_titled_served", "其中专精特新/瞪羚等"),
    ("satisfaction_rate", "用户满意度（%）"), ("low_fee_share", "公益性和低收费服务占比（%）"),
    ("partner_agencies", "集聚服务机构数"), ("qualifications", "服务资质"), ("government_support", "政府支持"),
)
NARRATIVE = (("narrative_basic", "一、平台基本情况"), ("narrative_region", "二、所在区域产业情况"),
             ("narrative_management", "三、管理制度与服务流程"), ("narrative_services", "四、近年服务情况"),
             ("narrative_features", "五、服务特色"), ("narrative_results", "六、服务成效与贡献"),
             ("narrative_plans", "七、发展规划与年度目标"))


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return escape(str(value))


def _table(rows: Any, columns: Sequence[tuple[str, str]]) -> str:
    if not isinstance(rows, list) or not rows:
        return "<p>（无）</p>"
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(k) if isinstance(r, Mapping) else None)}</td>"
                                    for k, _ in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + escape(title)
            + "</title><style>body{font-family:'SimSun','WenQuanYi Micro Hei',serif;margin:2em}"
            "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #333;padding:4px}"
            "</style></head><body><h1>" + escape(title) + "</h1>" + body + "</body></html>\n")


def application_report(data: Mapping[str, Any]) -> str:
    """Material 2 (Art. 12): 附件2 申请报告 from the application form, sections (一)–(五)."""
    values = dict(data)
    values["unit_nature"] = NATURE_NAMES.get(str(data.get("unit_nature")), data.get("unit_nature"))
    form = "".join(f"<tr><th>{escape(label)}</th><td>{_cell(values.get(k))}</td></tr>" for k, label in FORM_FIELDS)
    parts = [
        "<h2>（一）申报表</h2>", f"<table>{form}</table>",
        "<h3>近三年经营情况</h3>",
        _table(data.get("yearly"), (("year", "年度"), ("revenue_wan", "营业收入"), ("service_revenue_wan", "服务收入"),
                                    ("assets_wan", "资产总额"), ("profit_wan", "利润"), ("taxes_wan", "纳税"),
                                    ("smes_served", "服务中小企业数"))),
        "<h3>服务功能（第八条）</h3>",
        _table(data.get("functions"), (("function", "功能"), ("activities", "活动次数"),
                                       ("offline_smes_served", "线下服务企业"), ("trainees", "培训人次"),
                                       ("financing_yi", "融资额（亿元）"), ("new_guarantee_yi", "新增担保（亿元）"))),
        "<h2>（二）主要仪器设备及软件清单</h2>",
        _table(data.get("equipment_list"), (("name", "名称"), ("sets", "数量"), ("value_wan", "价值（万元）"))),
        "<h2>（三）服务人员名单</h2>",
        _table(data.get("staff_list"), (("name", "姓名"), ("age", "年龄"), ("degree", "学历"), ("school", "毕业院校"),
                                        ("title", "职称"), ("duty", "职务"))),
        "<h2>（四）上年服务企业名单</h2>",
        _table(data.get("served_list"), (("enterprise", "企业名称"), ("service", "服务内容"),
                                         ("satisfaction", "满意度"), ("titled", "专精特新/瞪羚等"))),
        "<h2>（五）申请报告</h2>",
    ]
    parts += [f"<h3>{escape(label)}</h3><p>{_cell(data.get(k))}</p>" for k, label in NARRATIVE]
    return _page("聊城市中小企业公共服务示范平台申请报告（附件2）", "".join(parts))


def recommendation_form(data: Mapping[str, Any]) -> str:
    """Material 1 (Art. 11, 12): 附件1 推荐表 — the county's evaluation and recommendation."""
    survey = data.get("survey") if isinstance(data.get("survey"), Mapping) else {}
    assert isinstance(survey, Mapping)
    samples = [dict(s, rating=RATING_NAMES.get(str(s.get("rating")), s.get("rating")))
               for s in survey.get("samples") or [] if isinstance(s, Mapping)]
    body = (
        f"<table><tr><th>申报单位</th><td>{_cell(data.get('unit_name'))}</td></tr>"
        f"<tr><th>所在县（市、区）</th><td>{_cell(data.get('county'))}</td></tr>"
        f"<tr><th>测评方式</th><td>{_cell(METHOD_NAMES.get(str(survey.get('method')), survey.get('method')))}</td></tr>"
        f"<tr><th>测评满意度（%）</th><td>{_cell(data.get('survey_satisfaction'))}</td></tr></table>"
        "<h2>测评企业</h2>"
        + _table(samples, (("enterprise", "企业名称"), ("person", "受访人"), ("post", "职务"), ("phone", "联系电话"),
                           ("service", "接受的服务"), ("rating", "评价")))
        + f"<h2>县级主管部门推荐意见</h2><p>{_cell(data.get('county_opinion'))}</p>"
    )
    return _page("聊城市中小企业公共服务示范平台推荐表（附件1）", body)
