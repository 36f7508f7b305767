"""A full-size application (附件2 and 附件1 at real sizes): 130 served enterprises, 22 staff, an
equipment list, all seven 情况说明 chapters of several paragraphs, three experts' reviews."""

from __future__ import annotations

from typing import Any

from tests.recognition.conftest import valid_application

UNIT = "聊城市中小企业综合服务中心有限公司"
TOPICS = ("平台基本情况", "区域产业状况", "管理运营", "近年服务", "服务特色", "服务业绩与贡献", "发展规划")
NARRATIVE_KEYS = ("narrative_basic", "narrative_region", "narrative_management", "narrative_services",
                  "narrative_features", "narrative_results", "narrative_plans")


def paragraphs(topic: str, n: int = 4) -> str:
    sentence = (f"围绕{topic}，平台坚持公益性与市场化相结合，面向东昌府区及周边县市区中小企业提供信息、技术、培训、"
                "融资和法律等综合服务，建立了线上服务平台与线下服务网点联动的服务体系，服务规模逐年扩大，"
                "企业满意度持续保持在较高水平。")
    return "\n".join(f"{i + 1}. {sentence * 2}" for i in range(n))


def served_rows(count: int = 130) -> list[dict[str, Any]]:
    return [{"enterprise": f"聊城市东昌府区服务企业{i:03d}科技有限公司", "credit_code": "",
             "person": f"王{'明亮刚强伟芳娜敏静丽'[i % 10]}{i}", "post": "总经理", "phone": f"0635-8{i:06d}",
             "service": ["技术咨询与培训", "融资对接", "法律体检", "检验检测"][i % 4],
             "satisfaction": "unsatisfied" if i % 37 == 36 else "satisfied",
             "titled": i < 12} for i in range(count)]


def big_application(**overrides: Any) -> dict[str, Any]:
    data = valid_application(
        unit_name=UNIT,
        served_list=served_rows(),
        smes_served_last_year=130,
        staff_total=22, staff_qualified=19,
        staff_list=[{"name": f"员工{i:02d}", "age": 28 + i % 20, "degree": ["本科", "硕士", "大专"][i % 3],
                     "school": ["聊城大学", "山东大学", "山东师范大学"][i % 3],
                     "title": ["中级", "高级", "初级"][i % 3],
                     "duty": ["服务专员", "技术服务部主管", "培训讲师", "综合管理"][i % 4]} for i in range(22)],
        equipment_list=[{"name": f"检测仪器{i:02d}", "model": f"JC-{100 + i}", "sets": 1 + i % 3,
                         "purchase_date": f"202{i % 5}-0{1 + i % 9}-15", "value_wan": 5.5 + i,
                         "industry_leading": i % 4 == 0} for i in range(15)],
        investors=[{"name": "聊城市某投资集团有限公司", "nature": "国有", "share": 60},
                   {"name": "张三", "nature": "自然人", "share": 40}],
        services=[{"content": "企业培训", "scale": "1200人次", "share": 35.5},
                  {"content": "技术咨询与检验检测", "scale": "86家", "share": 30}],
        public_interest_scale="45家/320人次", low_fee_scale="60家/500人次",
        partner_units_agreement="聊城大学\n聊城市科技金融服务中心\n山东某律师事务所",
        partner_units_other="聊城市中小企业协会、东昌府区企业家联合会",
        qualifications="山东省中小企业公共服务示范平台（2023年）\n国家级科技企业孵化器",
        government_support="2024年获得市级中小企业公共服务体系建设补助资金50万元。",
        **{k: paragraphs(topic) for k, topic in zip(NARRATIVE_KEYS, TOPICS, strict=True)},
    )
    data.update(overrides)
    return data


def rendered_data(**overrides: Any) -> dict[str, Any]:
    """The instance's variables as the documents see them once the county and the experts acted."""
    return big_application(submitted_at="2026-09-28T01:00:00+00:00", county="dongchangfu") | county_part(**overrides)


def county_part(**overrides: Any) -> dict[str, Any]:
    samples = [{"enterprise": r["enterprise"], "person": r["person"], "post": r["post"], "phone": r["phone"],
                "service": r["service"], "rating": ["very_satisfied", "satisfied", "very_satisfied"][i % 3]}
               for i, r in enumerate(served_rows()[:12])]
    data = {"county_decision": "recommend", "county_opinion": "经核查，该平台符合认定条件。\n同意推荐。",
            "survey_method": "phone", "survey_method_visit": True, "survey_samples": samples,
            "survey": {"method": "phone", "methods": ["phone", "visit"], "samples": samples},
            "survey_satisfaction": 100.0, "county_fill_date": "2026-09-28",
            "experts": ["expert1", "expert2", "expert3"],
            "expert_reviews": [
                {"expert": "expert1", "verdict": "approve", "opinion": "服务业绩突出，同意认定。", "score": 92,
                 "title": "", "employer": ""},
                {"expert": "expert2", "verdict": "approve", "opinion": "管理规范，示范带动作用明显。", "score": 88,
                 "title": "高级工程师", "employer": "聊城大学"},
                {"expert": "expert3", "verdict": "approve", "opinion": "同意。", "score": 90, "title": "",
                 "employer": ""}],
            "panel_summary": {"message": "专家组 3 人，同意 3 人，平均分 90.0；通过规则：全体同意；结论：通过"}}
    data.update(overrides)
    return data


PROFILES = {"expert1": {"display_name": "刘建国", "title": "研究员", "employer": "山东省中小企业研究院"},
            "expert2": {"display_name": "陈晓梅", "title": "教授", "employer": "聊城大学商学院"},
            "expert3": {"display_name": "赵志强", "title": "高级会计师", "employer": "聊城市财政局"}}
COUNTIES = {"dongchangfu": "东昌府区", "linqing": "临清市"}
