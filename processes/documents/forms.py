"""What 附件1 推荐表 and 附件2 申请报告 print, from the application's data (DOMAIN.md §7, §8).

Pure: the recognition instance's variables in, a plain context (strings, rows) out — names, not codes,
dates as 2026年9月28日. The PDF templates and the Word builder both read these contexts, so the two
formats say the same thing. Section titles follow the seed's attachments word for word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from processes.documents.labels import (
    ISSUER,
    METHOD_NAMES,
    NATURE_NAMES,
    RATING_NAMES,
    TITLE,
    VERDICT_NAMES,
    cn_date,
    county_name,
    number,
    percent,
    served_satisfied,
    yes_no,
)

# 附件1 (Art. 11): the parts of the 推荐表, in order
ANNEX1_SECTIONS = ("推荐表", "专家组评审意见", "推荐单位组织测评情况（随机抽取，不少于 10 家）", "测评方法",
                   "县（市、区）级中小企业主管部门推荐意见")
# 附件2 (Art. 12): 申请报告的主要内容 and the narrative chapters (一)–(七)
ANNEX2_CONTENTS = (
    "一、聊城市中小企业公共服务示范平台申请表",
    "二、主要服务设备、仪器及软件清单",
    "三、主要管理人员和服务人员名单及职称情况一览表",
    "四、服务的中小企业名单及服务评价表（120家以上）",
    "五、示范平台申请相关情况说明（请另附说明材料）",
)
NARRATIVES = (
    ("narrative_basic", "（一）申请单位的基本情况（创立发展前沿、发展目标以及目前的基本情况）"),
    ("narrative_region", "（二）服务对象所在区域的行业状况，在区域经济发展中的地位和作用，"
                         "中小企业发展情况和公共服务需求情况"),
    ("narrative_management", "（三）平台管理运营情况（主要管理制度、服务流程、人员激励、组织管理、可持续发展等）"),
    ("narrative_services", "（四）近年来的服务情况（主要服务内容、服务对象、服务规模、方式、收费等，"
                           "为中小企业提供公益性或低收费服务情况）"),
    ("narrative_features", "（五）平台服务特色（在创新服务模式，集聚创新资源等方面的示范性）"),
    ("narrative_results", "（六）主要服务业绩及对区域经济和中小企业健康发展的贡献（服务效果自测情况或典型案例）"),
    ("narrative_plans", "（七）下一步发展规划和年度目标"),
)
ANNEX2_SECTIONS = (
    "申请报告", "申请报告的主要内容", "聊城市中小企业公共服务示范平台申请表", "一、申请单位基本情况",
    "二、近年来运营管理情况（单位：万元）", "三、平台服务能力及业绩", "四、政府支持情况",
    "主要服务设备、仪器及软件清单",
    "管理人员和服务人员名单及职称情况一览表", "服务的中小企业名单及服务评价表", "示范平台申请相关情况说明",
    *(title for _, title in NARRATIVES),
)
SURVEY_METHOD_FIELDS = {f"survey_method_{code}": code for code in METHOD_NAMES}


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return number(value)
    return str(value).strip()


def paragraphs(value: Any) -> list[str]:
    """A narrative as paragraphs (one per non-empty line)."""
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def names_list(value: Any) -> list[str]:
    """Partner units typed one per line (or separated by 、，;)."""
    if isinstance(value, list):
        return [_text(v.get("name") if isinstance(v, Mapping) else v) for v in value if v]
    text = str(value or "")
    for sep in ("；", ";", "，", ",", "、"):
        text = text.replace(sep, "\n")
    return [p.strip() for p in text.splitlines() if p.strip()]


def date_parts(value: Any) -> dict[str, str]:
    """{year, month, day} for the ``____年__月__日`` lines of the covers (blank when unknown)."""
    text = cn_date(value)
    if not text:
        return {"year": "", "month": "", "day": "", "text": ""}
    year, rest = text.split("年")
    month, rest = rest.split("月")
    return {"year": year, "month": month, "day": rest.rstrip("日"), "text": text}


# -- 附件1 推荐表 (Art. 11) ---------------------------------------------------------------------------


def survey_methods(data: Mapping[str, Any]) -> list[str]:
    """The 测评方法 ticked (several may apply): ``survey.methods``, the form's single
    ``survey_method`` and the check boxes ``survey_method_<code>``."""
    chosen: set[str] = set()
    survey = data.get("survey") if isinstance(data.get("survey"), Mapping) else {}
    assert isinstance(survey, Mapping)
    for value in (survey.get("methods") or []):
        chosen.add(str(value))
    for value in (survey.get("method"), data.get("survey_method")):
        if value:
            chosen.add(str(value))
    for field, code in SURVEY_METHOD_FIELDS.items():
        if data.get(field) is True:
            chosen.add(code)
    return [code for code in METHOD_NAMES if code in chosen]


def expert_rows(data: Mapping[str, Any], profiles: Mapping[str, Mapping[str, Any]]) -> list[dict[str, str]]:
    """专家组评审意见: each expert's name, title and employer (the review's own entries first, the
    user's profile otherwise), verdict and opinion. Experts named for the panel who have not
    reviewed yet are listed with empty opinions."""
    reviews = {str(r.get("expert")): r for r in _rows(data.get("expert_reviews"))}
    order = [str(e) for e in data.get("experts") or [] if isinstance(e, str)] if isinstance(
        data.get("experts"), list) else []
    order += [k for k in reviews if k not in order]
    out = []
    for username in order:
        review = reviews.get(username, {})
        profile = profiles.get(username, {})
        out.append({
            "username": username,
            "name": _text(profile.get("display_name")) or username,
            "title": _text(review.get("title")) or _text(profile.get("title")),
            "employer": _text(review.get("employer")) or _text(profile.get("employer")),
            "verdict": VERDICT_NAMES.get(str(review.get("verdict")), ""),
            "score": number(review.get("score"), 1),
            "opinion": _text(review.get("opinion")),
        })
    return out


def recommendation_context(data: Mapping[str, Any], county_names: Mapping[str, str],
                           profiles: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """附件1 推荐表 (Art. 11, 12(一)): cover, 专家组评审意见, the county's evaluation, its opinion."""
    survey = data.get("survey") if isinstance(data.get("survey"), Mapping) else {}
    assert isinstance(survey, Mapping)
    samples = _rows(survey.get("samples")) or _rows(data.get("survey_samples"))
    methods = survey_methods(data)
    recommended = data.get("county_decision") == "recommend"
    fill_date = data.get("county_fill_date") or (data.get("county_decided_at") if recommended else None)
    summary = data.get("panel_summary") if isinstance(data.get("panel_summary"), Mapping) else {}
    assert isinstance(summary, Mapping)
    return {
        "title": TITLE, "subtitle": "推荐表", "issuer": ISSUER,
        "unit_name": _text(data.get("unit_name")),
        "county": county_name(data.get("county"), county_names),
        "fill_date": date_parts(fill_date),
        "experts": expert_rows(data, profiles),
        "panel_summary": _text(summary.get("message")),
        "methods": [{"code": code, "name": name, "checked": code in methods} for code, name in METHOD_NAMES.items()],
        "method_other": _text(data.get("survey_method_other_note")),
        "samples": [{
            "enterprise": _text(s.get("enterprise")), "person": _text(s.get("person")), "post": _text(s.get("post")),
            "phone": _text(s.get("phone")), "service": _text(s.get("service")),
            "rating": str(s.get("rating") or ""), "rating_name": RATING_NAMES.get(str(s.get("rating")), ""),
        } for s in samples],
        "rating_columns": list(RATING_NAMES.items()),
        "survey_satisfaction": number(data.get("survey_satisfaction"), 1),
        "opinion": paragraphs(data.get("county_opinion")) if data.get("county_decision") else [],
        "decision": {"recommend": "推荐", "decline": "不予推荐"}.get(str(data.get("county_decision")), ""),
        "opinion_date": date_parts(fill_date),
    }


# -- 附件2 申请报告 (Art. 12) ---------------------------------------------------------------------------


def _investors(data: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"name": _text(r.get("name")), "nature": _text(r.get("nature")),
             "share": number(r.get("share", r.get("share_pct")))} for r in _rows(data.get("investors"))]


def _yearly(data: Mapping[str, Any]) -> list[dict[str, str]]:
    rows = sorted(_rows(data.get("yearly")), key=lambda r: str(r.get("year")))
    keys = ("revenue_wan", "service_revenue_wan", "assets_wan", "profit_wan", "taxes_wan", "smes_served")
    return [{"year": _text(r.get("year")), **{k: number(r.get(k)) for k in keys}} for r in rows]


def _services(data: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"content": _text(r.get("content")), "scale": _text(r.get("scale")),
             "share": number(r.get("share"), 1)} for r in _rows(data.get("services"))]


def _equipment(data: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"no": str(i), "name": _text(r.get("name")) + (f"（{_text(r['model'])}）" if r.get("model") else ""),
             "sets": number(r.get("sets")),
             "purchase_date": cn_date(r.get("purchase_date"), _text(r.get("purchase_date"))),
             "value_wan": number(r.get("value_wan")) + ("万元" if r.get("value_wan") not in (None, "") else ""),
             "leading": yes_no(r.get("industry_leading"))}
            for i, r in enumerate(_rows(data.get("equipment_list")), start=1)]


def _staff(data: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"name": _text(r.get("name")), "age": number(r.get("age")), "degree": _text(r.get("degree")),
             "school": _text(r.get("school")), "title": _text(r.get("title")),
             "duty": _text(r.get("duty") or r.get("duties"))} for r in _rows(data.get("staff_list"))]


def _served(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(_rows(data.get("served_list")), start=1):
        satisfied = served_satisfied(r)
        out.append({"no": str(i), "enterprise": _text(r.get("enterprise")),
                    "contact": _text(r.get("person") or r.get("contact")), "phone": _text(r.get("phone")),
                    "service": _text(r.get("service")), "satisfied": satisfied is True,
                    "unsatisfied": satisfied is False})
    return out


def application_context(data: Mapping[str, Any], county_names: Mapping[str, str]) -> dict[str, Any]:
    """附件2 申请报告 (Art. 12(二)): cover, contents, 申请表 (一)–(四), tables 二–四, 情况说明 (一)–(七)."""
    owned, rented = data.get("floor_area_owned_m2"), data.get("floor_area_rented_m2")
    area_total = None
    if isinstance(owned, (int, float)) or isinstance(rented, (int, float)):
        area_total = float(owned or 0) + float(rented or 0)
    served = _served(data)
    stated = data.get("smes_served_last_year")
    return {
        "title": TITLE, "subtitle": "申请报告", "issuer": f"{ISSUER}制",
        "unit_name": _text(data.get("unit_name")),
        "county": county_name(data.get("county"), county_names),
        "credit_code": _text(data.get("credit_code")),
        "fill_date": date_parts(data.get("submitted_at")),
        "contents": ANNEX2_CONTENTS, "narrative_titles": [t for _, t in NARRATIVES],
        "registration_date": cn_date(data.get("registration_date")),
        "nature": NATURE_NAMES.get(str(data.get("unit_nature")), _text(data.get("unit_nature"))),
        "legal_representative": _text(data.get("legal_representative")),
        "address": _text(data.get("address")), "postcode": _text(data.get("postcode")),
        "contact_name": _text(data.get("contact_name")), "contact_phone": _text(data.get("contact_phone")),
        "mobile": _text(data.get("mobile")),
        "website": "　".join(p for p in (_text(data.get("website")), _text(data.get("icp_number"))) if p),
        "email": _text(data.get("email")),
        "registered_capital": number(data.get("registered_capital_wan")),
        "investors": _investors(data),
        "total_assets": number(data.get("total_assets_wan")),
        "equipment_sets": number(data.get("equipment_sets")),
        "equipment_value": number(data.get("equipment_value_wan")),
        "equipment_share": percent(data.get("equipment_value_wan"), data.get("total_assets_wan")),
        "area_total": number(area_total), "area_owned": number(owned), "area_rented": number(rented),
        "staff_total": number(data.get("staff_total")), "staff_qualified": number(data.get("staff_qualified")),
        "staff_share": percent(data.get("staff_qualified"), data.get("staff_total")),
        "yearly": _yearly(data),
        "qualifications": paragraphs(data.get("qualifications")),
        "services": _services(data),
        "public_interest_scale": _text(data.get("public_interest_scale")),
        "low_fee_scale": _text(data.get("low_fee_scale")),
        "partners_agreement": names_list(data.get("partner_units_agreement")),
        "partners_other": names_list(data.get("partner_units_other")),
        "government_support": paragraphs(data.get("government_support")),
        "equipment_list": _equipment(data),
        "staff_list": _staff(data),
        "served_list": served,
        "served_total": number(stated) if stated not in (None, "") else str(len(served)),
        "narratives": [{"title": title, "paragraphs": paragraphs(data.get(key))} for key, title in NARRATIVES],
    }


def document_fields(data: Mapping[str, Any], extra: Sequence[str] = ()) -> dict[str, Any]:
    """The part of the instance's variables the two forms read (what their cache key hashes)."""
    keys = {"unit_name", "credit_code", "county", "unit_nature", "registration_date", "legal_representative",
            "address", "postcode", "contact_name", "contact_phone", "mobile", "email", "website", "icp_number",
            "registered_capital_wan", "investors", "total_assets_wan", "equipment_sets", "equipment_value_wan",
            "floor_area_owned_m2", "floor_area_rented_m2", "staff_total", "staff_qualified", "yearly",
            "smes_served_last_year", "qualifications", "services", "public_interest_scale", "low_fee_scale",
            "partner_units_agreement", "partner_units_other", "government_support", "equipment_list", "staff_list",
            "served_list", "submitted_at", "survey", "survey_samples", "survey_method", "survey_method_other_note",
            "survey_satisfaction", "county_decision", "county_opinion", "county_fill_date", "county_decided_at",
            "expert_reviews", "experts", "panel_summary", *SURVEY_METHOD_FIELDS, *(k for k, _ in NARRATIVES), *extra}
    return {k: data.get(k) for k in sorted(keys) if k in data}
