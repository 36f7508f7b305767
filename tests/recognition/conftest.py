"""Helpers for the recognition scenarios: deploy the diagrams, open the round, build a valid
application (passes every Art. 7 rule and Art. 8(四)), and walk the steps as the demo users."""

from __future__ import annotations

import io
from typing import Any

from handlers.credit_code import make_credit_code
from tests.conftest import ROOT

DIAGRAMS = ROOT / "bpmn-diagrams"


def _one_page_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _small_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    return buf.getvalue()


PDF = _one_page_pdf()  # uploads are parsed: a real PDF with one page, a real image
PNG = _small_png()
UPLOADS = [f"m{i:02d}" for i in range(3, 14)]
# the county's checklist (Art. 7 judgment items, the Art. 8(四) training checklist of valid_application)
CHECKLIST = {f"confirm_{r}": True for r in ("7_1a", "7_1d", "7_2e", "7_3a", "7_4a", "7_4b", "7_5c",
                                            "8_4_checklist")}
CREDIT_CODE = make_credit_code("9137150000000001")  # 聊城 (371500), an enterprise


def credit_code(n: int) -> str:
    return make_credit_code(f"91371500{n:08d}")


def served_list(count: int = 150, titled: int = 12) -> list[dict[str, Any]]:
    return [{"enterprise": f"聊城市服务企业{i:03d}有限公司", "person": f"联系人{i}", "post": "总经理",
             "phone": f"0635-8{i:06d}", "service": "技术咨询与培训", "satisfaction": "satisfied",
             "titled": i < titled} for i in range(count)]


def valid_application(**overrides: Any) -> dict[str, Any]:
    """附件2 (一)–(五) of a platform that meets every Art. 7 rule and Art. 8(四) training."""
    data: dict[str, Any] = {
        "unit_name": "聊城市中小企业综合服务中心有限公司", "credit_code": CREDIT_CODE, "unit_nature": "enterprise",
        "registration_date": "2019-03-15", "legal_representative": "张三", "address": "聊城市东昌府区柳园路1号",
        "postcode": "252000", "contact_name": "李四", "contact_phone": "0635-8888888", "mobile": "13800000000",
        "email": "service@example.cn", "website": "https://sme.example.cn", "icp_number": "鲁ICP备00000001号",
        "registered_capital_wan": 500, "investors": [{"name": "聊城某投资公司", "nature": "企业", "share": 100}],
        "total_assets_wan": 800, "equipment_sets": 40, "equipment_value_wan": 260,
        "floor_area_owned_m2": 1200, "floor_area_rented_m2": 300, "staff_total": 20, "staff_qualified": 18,
        "yearly": [
            {"year": 2023, "revenue_wan": 600, "service_revenue_wan": 400, "assets_wan": 700, "profit_wan": 50,
             "taxes_wan": 20, "smes_served": 110},
            {"year": 2024, "revenue_wan": 700, "service_revenue_wan": 480, "assets_wan": 750, "profit_wan": 60,
             "taxes_wan": 25, "smes_served": 130},
            {"year": 2025, "revenue_wan": 800, "service_revenue_wan": 560, "assets_wan": 800, "profit_wan": 70,
             "taxes_wan": 30, "smes_served": 150},
        ],
        "smes_served_last_year": 150, "smes_titled_served": 12, "satisfaction_rate": 96,
        "services": [{"content": "企业培训", "scale": "1200人次", "share": 40}], "low_fee_share": 25,
        "partner_agencies": 6, "qualifications": "省级中小企业公共服务示范平台", "government_support": "无",
        "functions": [{"function": "training", "trainees": 1200, "activities": 30}],
        "equipment_list": [{"name": "检测设备", "sets": 10, "value_wan": 100}],
        "staff_list": [{"name": f"员工{i}", "age": 30 + i, "degree": "本科", "school": "聊城大学",
                        "title": "中级", "duty": "服务专员"} for i in range(20)],
        "served_list": served_list(),
        "narrative_basic": "平台基本情况……", "narrative_region": "东昌府区产业情况……",
        "narrative_management": "管理制度……", "narrative_services": "近年服务……",
        "narrative_features": "线上线下结合……", "narrative_results": "成效……", "narrative_plans": "规划……",
    }
    data.update(overrides)
    return data


class Recognition:
    """Walks the recognition procedure through the JSON API as the demo users."""

    def __init__(self, api: Any) -> None:
        self.api = api

    # -- set-up ---------------------------------------------------------------------------------
    def deploy(self) -> None:
        self.api.as_user("owner")
        for name in ("art7_thresholds.dmn", "art8_thresholds.dmn", "recognition.bpmn"):
            r = self.api.deploy(DIAGRAMS / name)
            assert r.status_code in (200, 201), r.get_json()

    def open_round(self, year: int = 2026, deadline: str = "2026-12-31") -> dict[str, Any]:
        r = self.api.as_user("admin").post("/api/v1/rounds", json={"year": year, "submission_deadline": deadline})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    # -- the applicant ---------------------------------------------------------------------------
    def start(self, user: str = "applicant1") -> dict[str, Any]:
        r = self.api.as_user(user).post("/api/v1/process-instances", json={"process_key": "recognition"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def upload(self, bk: str, mkey: str, content: bytes = PDF, user: str = "applicant1",
               name: str | None = None) -> Any:
        self.api.as_user(user)
        data = {"file": (io.BytesIO(content), name or f"{mkey}.pdf")}
        return self.api.client.post(f"/api/v1/applications/{bk}/materials/{mkey}", data=data,
                                    headers=self.api._h(), content_type="multipart/form-data")

    def upload_all(self, bk: str, user: str = "applicant1", keys: list[str] | None = None) -> None:
        for mkey in keys if keys is not None else UPLOADS:
            r = self.upload(bk, mkey, user=user)
            assert r.status_code == 201, r.get_json()

    def task(self, user: str, element_id: str) -> dict[str, Any]:
        return self.api.as_user(user).only_task(element_id)

    def complete(self, user: str, element_id: str, expect: int = 200, **data: Any) -> Any:
        t = self.task(user, element_id)
        r = self.api.as_user(user).complete(t["id"], **data)
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def submit(self, user: str = "applicant1", expect: int = 200, **overrides: Any) -> Any:
        return self.complete(user, "fill_application", expect=expect, **valid_application(**overrides))

    def apply(self, user: str = "applicant1", **overrides: Any) -> dict[str, Any]:
        """Start, upload every material, submit: the application reaches the county."""
        inst = self.start(user)
        self.upload_all(inst["business_key"], user)
        self.submit(user, **overrides)
        return inst

    # -- the county ------------------------------------------------------------------------------
    def survey(self, user: str = "county-dongchangfu", rating: str = "very_satisfied") -> list[dict[str, Any]]:
        """The county's evaluation table, pre-filled with the 10 drawn enterprises: add the ratings."""
        data = self.api.as_user(user).get(f"/api/v1/tasks/{self.task(user, 'county_review')['id']}").get_json()
        drawn = data["data"]["survey_sample"]
        assert len(drawn) == 10
        return [{k: s[k] for k in ("enterprise", "person", "post", "phone", "service")} | {"rating": rating}
                for s in drawn]

    def reserve(self, user: str = "county-dongchangfu") -> list[dict[str, Any]]:
        """The enterprises drawn after the sample, in draw order (replacements, Art. 11)."""
        data = self.api.as_user(user).get(f"/api/v1/tasks/{self.task(user, 'county_review')['id']}").get_json()
        return data["data"]["survey_reserve"]

    def recommend(self, user: str = "county-dongchangfu", **extra: Any) -> Any:
        """The county recommends: survey by phone of the 10 drawn enterprises, every Art. 7 checklist
        item and the Art. 8(四) training checklist confirmed."""
        data = {"county_decision": "recommend", "county_opinion": "经核查，符合条件，同意推荐。",
                "survey_method_phone": True, "survey_samples": self.survey(user), **CHECKLIST}
        return self.complete(user, "county_review", **{**data, **extra})

    # -- the municipal bureau and the experts ------------------------------------------------------
    def review(self, action: str = "proceed", experts: list[str] | None = None, onsite: bool = False,
               reasons: str = "", expect: int = 200) -> Any:
        data: dict[str, Any] = {"review_action": action, "onsite_check": onsite}
        if reasons:
            data["review_reasons"] = reasons
        if action == "proceed":
            data["experts"] = experts if experts is not None else ["expert1", "expert2", "expert3"]
        return self.complete("reviewer", "municipal_review", expect=expect, **data)

    def expert_votes(self, verdicts: dict[str, str]) -> None:
        for expert, verdict in verdicts.items():
            who = {"expert_title": "高级工程师", "expert_employer": "聊城大学"} if expert != "expert3" else {}
            self.complete(expert, "expert_review", verdict=verdict, opinion=f"{expert} 的评审意见",
                          score=90 if verdict == "approve" else 55, **who)

    def decide(self, decision: str = "approve") -> Any:
        return self.complete("reviewer", "review_decision", final_decision=decision,
                             decision_reasons="经审核并参考专家组意见作出决定。")

    def to_publicity(self, user: str = "applicant1", county: str = "county-dongchangfu",
                     **overrides: Any) -> dict[str, Any]:
        inst = self.apply(user, **overrides)
        self.recommend(county)
        self.review()
        self.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
        self.decide()
        return inst

    # -- reading -----------------------------------------------------------------------------------
    def application(self, bk: str, user: str = "admin") -> dict[str, Any]:
        r = self.api.as_user(user).get(f"/api/v1/applications/{bk}")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def variables(self, iid: int) -> dict[str, Any]:
        return self.api.as_user("admin").instance(iid)["variables"]

    def set_clock(self, now: str) -> None:
        r = self.api.as_user("admin").post("/api/v1/clock", json={"now": now})
        assert r.status_code == 200, r.get_json()

