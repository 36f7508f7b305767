"""The world the authorisation matrix runs in: one database state with a case of every kind, the
people looking at it, and a way back to that state after a request changed it.

Cases (county dongchangfu, applicant1 unless said otherwise):

- ``panel``: a recognition application at the expert panel (expert1 and expert2 on it, expert3 not);
- ``county``: an application waiting, unclaimed, in the county's pool (county_review);
- ``draft``: an application being filled (fill_application, applicant1's);
- ``public``: an application in publicity with an objection and its attachment;
- supervision demo data (applicant1's platform in dongchangfu with quarterly reports), a revoked platform.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from processes.all_models import Base
from processes.calendar import functions as calfn
from processes.recognition.models import PlatformRegister
from processes.runtime import Runtime
from processes.services.core import Actor
from processes.supervision.demo import load_demo
from processes.supervision.models import QuarterlyReport
from processes.supervision.services import deploy_supervision, revoke
from tests.conftest import START, Api
from tests.recognition.conftest import PDF, Recognition, credit_code

# who looks: a name in the matrix → the demo user (None: anonymous)
SUBJECTS: dict[str, str | None] = {
    "admin": "admin", "owner": "owner", "reviewer": "reviewer",
    "county": "county-dongchangfu", "county_other": "county-linqing",
    "expert": "expert1", "expert_off": "expert3",
    "applicant": "applicant1", "applicant_other": "applicant2",
    "anon": None,
}


@dataclass
class World:
    rt: Runtime
    app: Any
    ids: dict[str, Any] = field(default_factory=dict)
    snapshot: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)  # subject → logged-in page client
    tokens: dict[str, str] = field(default_factory=dict)  # subject → API token

    # -- the state ----------------------------------------------------------------------------------
    def take_snapshot(self) -> None:
        with self.rt.db.connect() as conn:
            self.snapshot = {t.name: [dict(r) for r in conn.execute(t.select()).mappings()]
                             for t in Base.metadata.sorted_tables}

    def restore(self) -> None:
        """Back to the snapshot: every table emptied and refilled (ids as they were)."""
        db: Engine = self.rt.db
        with db.begin() as conn:
            for t in reversed(Base.metadata.sorted_tables):
                conn.execute(t.delete())
            for t in Base.metadata.sorted_tables:
                rows = self.snapshot[t.name]
                if rows:
                    conn.execute(t.insert(), rows)
        self.rt.clock.set_state(START, timedelta(0))  # type: ignore[attr-defined]
        calfn.reset()

    # -- the people ---------------------------------------------------------------------------------
    def login_everyone(self) -> None:
        for subject, username in SUBJECTS.items():
            self.clients[subject] = self.app.test_client()
            if username is not None:
                self.login(subject)
                r = self.clients[subject].post("/api/v1/auth/token", json={"username": username, "password": "demo"})
                assert r.status_code == 200, r.get_json()
                self.tokens[subject] = r.get_json()["token"]

    def login(self, subject: str) -> None:
        r = self.clients[subject].post("/login", data={"username": SUBJECTS[subject], "password": "demo"})
        assert r.status_code == 302, (subject, r.status_code)


def build(rt: Runtime, app: Any) -> World:
    world = World(rt, app)
    api = Api(app.test_client())
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    ids = world.ids
    # the public case: in publicity, with an objection and its attachment
    public = rec.apply(credit_code=credit_code(3), unit_name="聊城丙平台有限公司")
    rec.recommend()
    rec.review(experts=["expert1", "expert2", "expert3"])
    rec.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    rec.decide()
    ids["bk_public"], ids["iid_public"] = public["business_key"], public["id"]
    r = app.test_client().post(f"/public/objection/{public['business_key']}", data={
        "name": "王五", "contact": "13900000000", "reasons": "该平台服务企业数量与实际情况明显不符，请核查。",
        "attachment": (io.BytesIO(PDF), "证据.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    ids["receipt"] = r.headers["Location"].rsplit("/", 1)[-1]  # the objector's receipt number
    app_row = rec.application(public["business_key"])
    ids["publicity_start"] = app_row["publicity_start"][:10]
    objections = api.as_user("reviewer").get(f"/api/v1/applications/{public['business_key']}/objections").get_json()
    ids["sha256"] = objections[0]["attachment"]["sha256"]
    # the panel case: expert1 and expert2 review, expert3 does not
    panel = rec.apply(credit_code=credit_code(1), unit_name="聊城甲平台有限公司")
    rec.recommend()
    rec.review(experts=["expert1", "expert2"])
    ids["bk"], ids["iid"] = panel["business_key"], panel["id"]
    ids["task_expert"] = rec.task("expert1", "expert_review")["id"]
    # the county's pool case
    county = rec.apply(credit_code=credit_code(2), unit_name="聊城乙平台有限公司")
    ids["bk_county"], ids["iid_county"] = county["business_key"], county["id"]
    ids["task_county"] = rec.task("county-dongchangfu", "county_review")["id"]
    # the draft case
    draft = rec.start()
    ids["bk_draft"], ids["iid_draft"] = draft["business_key"], draft["id"]
    ids["task_draft"] = [t for t in api.as_user("applicant1").tasks() if t["business_key"] == draft["business_key"]
                         and t["element_id"] == "fill_application"][0]["id"]
    # definitions
    defs = api.as_user("admin").get("/api/v1/process-definitions").get_json()
    ids["definition"] = next(d["id"] for d in defs if d["key"] == "recognition")
    # supervision: demo platforms (applicant1's in dongchangfu) and their reports; one revoked platform
    deploy_supervision(rt.uow())
    list(load_demo(rt))
    with rt.uow() as u:
        entry = u.s.scalars(select(PlatformRegister).where(PlatformRegister.county == "dongchangfu")).first()
        assert entry is not None
        ids["entry"] = entry.id
        report = u.s.scalars(select(QuarterlyReport).where(QuarterlyReport.county == "dongchangfu")
                             .order_by(QuarterlyReport.id.desc())).first()
        assert report is not None
        ids["report"] = report.id
        revoked = u.s.scalars(select(PlatformRegister).where(PlatformRegister.county == "gaoxin")).first()
        assert revoked is not None
        ids["entry_revoked"] = revoked.id
        admin_id = u.s.scalar(select(Base.metadata.tables["app_user"].c.id).where(
            Base.metadata.tables["app_user"].c.username == "admin"))
    result = revoke(rt.uow(), Actor(admin_id, "admin", "admin", None), ids["entry_revoked"], "第二十一条",
                    "经查实存在弄虚作假行为。", "complaint")
    ids["revocation"] = result["id"]
    r = api.as_user("owner").post("/api/v1/admin/drafts", json={"xml": sample_bpmn(), "key": "sample",
                                                                 "file_name": "sample.bpmn"})
    assert r.status_code in (200, 201), r.get_json()
    with rt.db.begin() as conn:  # the demo platform holds a certificate (Art. 14)
        conn.execute(PlatformRegister.__table__.update().where(PlatformRegister.id == ids["entry"]).values(
            certificate_no="LCSME-2025-001"))
    ids["users_reviewer"] = next(u["id"] for u in api.as_user("admin").get("/api/v1/admin/users").get_json()
                                 if u["username"] == "reviewer")
    world.take_snapshot()
    return world


def sample_bpmn() -> str:
    return (Path(__file__).resolve().parents[1] / "support" / "diagrams" / "sample.bpmn").read_text(encoding="utf-8")
