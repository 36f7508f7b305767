"""The supervision pages: overdue list with 催报, reports, platforms/inspection, spot-check start,
the public revocation list; county officers see only their county."""

from __future__ import annotations

import re

from sqlalchemy import select

from processes.supervision.models import Inspection, QuarterlyReport


class Browser:
    def __init__(self, app, username: str | None) -> None:  # type: ignore[no-untyped-def]
        self.c = app.test_client()
        self.token = ""
        if username:
            self.get("/login")
            r = self.post("/login", {"username": username, "password": "demo"})
            assert r.status_code == 302, r.text

    def get(self, url: str):  # type: ignore[no-untyped-def]
        r = self.c.get(url)
        m = re.search(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True))
        if m:
            self.token = m.group(1)
        return r

    def post(self, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        return self.c.post(url, data={"csrf_token": self.token, **(data or {})})


def test_overdue_page_chase_and_county_scope(sup, app):
    e = sup.platform()
    sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    sup.at("2026-10-01")
    sup.at("2026-10-20")
    b = Browser(app, "county-dongchangfu")
    page = b.get("/supervision/overdue").get_data(as_text=True)
    assert "聊城市中小企业服务中心" in page and "临清市企业服务平台" not in page and "催报" in page
    uow = sup.rt.uow()
    with uow:
        rid = uow.s.scalars(select(QuarterlyReport.id).where(QuarterlyReport.credit_code == e.credit_code)).one()
        other = uow.s.scalars(select(QuarterlyReport.id).where(QuarterlyReport.county == "linqing")).one()
    r = b.post(f"/supervision/reports/{rid}/chase")
    assert r.status_code == 302
    b.post(f"/supervision/reports/{other}/chase")  # another county's: refused
    uow = sup.rt.uow()
    with uow:
        counts = dict(uow.s.execute(select(QuarterlyReport.county, QuarterlyReport.chase_count)).all())
    assert counts == {"dongchangfu": 2, "linqing": 1}  # one automatic each, plus the county's own chase
    page = b.get("/supervision/reports").get_data(as_text=True)
    assert "2026年第3季度" in page and "2026Q3" not in page and "临清" not in page.split("report-table")[1]
    page = b.get("/supervision/platforms").get_data(as_text=True)
    assert e.credit_code in page and "发起检查" in page
    r = b.post("/supervision/inspections", {"register_id": str(e.id)})
    assert r.status_code == 302
    uow = sup.rt.uow()
    with uow:
        assert uow.s.scalars(select(Inspection.kind)).all() == ["county"]
    # spot checks are the bureau's
    assert b.get("/supervision/spot-checks").status_code == 403


def test_spot_check_page_and_public_revocations(sup, app):
    sup.platform()
    b = Browser(app, "reviewer")
    assert "发起随机抽查" in b.get("/supervision/spot-checks").get_data(as_text=True)
    page = b.post("/supervision/spot-checks", {"n": "1", "seed": "demo-seed"}).get_data(as_text=True)
    assert "demo-seed" in page and "本轮抽中" in page
    public = Browser(app, None).get("/supervision/revocations")
    assert public.status_code == 200 and "撤销示范平台称号公告" in public.get_data(as_text=True)
