"""Demo data of the supervision area: three recognised platforms in the middle of their supervision,
with the last quarters' reports filed and accepted (and aggregated), this quarter's in various states:
``platform1``'s (东昌府区) not yet filed (overdue after the 15th), ``applicant2``'s waiting for the county,
``applicant3``'s accepted; that platform's recognition expires this year. ``applicant1`` has no platform:
it is the newcomer who applies for recognition (README, first steps). Dates follow the clock, which
``processes/demo.py`` puts on the day after the reports were due when the demo data is first loaded.
A second run adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from handlers import supervision as sv
from handlers.certificates import add_years
from handlers.credit_code import make_credit_code
from processes.clock import CST
from processes.models import TaskIndex, User
from processes.recognition.models import PlatformRegister
from processes.runtime import Runtime
from processes.services.core import Actor
from processes.supervision.hooks import local_day
from processes.supervision.models import CountyAggregate, PlatformAccount, QuarterlyReport
from processes.supervision.services import PROCESS_KEYS, _deployed, start_quarter
from processes.tasks.complete import complete_task

FORM = {"smes_served": 36, "activities": 4, "trainees": 210, "financing_yi": 0.8, "fees_wan": 18.5,
        "low_fee_share": 22.0, "satisfaction_rate": 94.5}
Q4 = {"year_summary": "全年服务中小企业 150 余家，开展培训与对接活动 16 场。",
      "next_year_plan": "拓展融资对接与数字化转型诊断服务，服务企业数增长 10%。"}


def _platforms(today: date) -> list[dict[str, Any]]:
    expiring = min(today + timedelta(days=60), date(today.year, 12, 31))
    return [
        {"prefix": "91371500MA3D0101", "unit_name": "聊城市中小企业综合服务中心（演示）", "county": "dongchangfu",
         "user": "platform1", "granted": add_years(today, -1) - timedelta(days=120), "current": "open"},
        {"prefix": "91371500MA3D0102", "unit_name": "临清市轴承产业公共服务平台（演示）", "county": "linqing",
         "user": "applicant2", "granted": add_years(today, -2) - timedelta(days=150), "current": "submitted"},
        {"prefix": "91371500MA3D0103", "unit_name": "聊城高新区科技创新服务平台（演示）", "county": "gaoxin",
         "user": "applicant3", "granted": add_years(expiring, -3), "current": "accepted"},
    ]


def _actor(rt: Runtime, username: str) -> Actor | None:
    uow = rt.uow()
    with uow:
        u = uow.s.scalars(select(User).where(User.username == username)).first()
        return Actor.of(u) if u else None


def _task(rt: Runtime, business_key: str, element_id: str) -> str | None:
    uow = rt.uow()
    with uow:
        return uow.s.scalar(select(TaskIndex.task_id).where(TaskIndex.business_key == business_key,
                                                            TaskIndex.element_id == element_id))


def _file(rt: Runtime, bk: str, quarter: int, platform: Actor, county: Actor, accept: bool) -> None:
    tid = _task(rt, bk, "qr_fill")
    if tid:
        complete_task(rt.uow(), platform, tid, {**FORM, **(Q4 if quarter == 4 else {})})
    if accept:
        tid = _task(rt, bk, "qr_review")
        if tid:
            complete_task(rt.uow(), county, tid, {"review_decision": "accept"})


def _backdate(rt: Runtime, year: int, quarter: int) -> None:
    """History filed on time: put the submission a few days before the deadlines."""
    uow = rt.uow()
    with uow:
        for r in uow.s.scalars(select(QuarterlyReport).where(QuarterlyReport.year == year,
                                                             QuarterlyReport.quarter == quarter,
                                                             QuarterlyReport.credit_code.like("91371500MA3D01%"))):
            if r.status == "accepted":
                r.submitted_at = datetime.combine(r.due_date - timedelta(days=5), time(10), CST).astimezone(UTC)
                r.accepted_at = datetime.combine(r.due_date - timedelta(days=2), time(15), CST).astimezone(UTC)
                r.late = False
        for a in uow.s.scalars(select(CountyAggregate).where(CountyAggregate.year == year,
                                                             CountyAggregate.quarter == quarter)):
            if a.status == "submitted":
                a.submitted_at = datetime.combine(a.due_date - timedelta(days=1), time(16), CST).astimezone(UTC)
                a.late = False
        uow.commit()


def load_demo(rt: Runtime) -> Iterator[str]:
    if not all(_deployed(rt.uow(), k) for k in PROCESS_KEYS):
        yield "supervision: diagrams not deployed, no demo data"
        return
    today = local_day(rt.now())
    uow = rt.uow()
    created = 0
    specs = _platforms(today)
    with uow:
        for p in specs:
            p["credit_code"] = make_credit_code(p["prefix"])
            if uow.s.scalars(select(PlatformRegister).where(PlatformRegister.credit_code == p["credit_code"])).first():
                continue
            now = rt.now()
            uow.s.add(PlatformRegister(unit_name=p["unit_name"], credit_code=p["credit_code"], county=p["county"],
                                       status="recognised", valid_from=p["granted"],
                                       valid_to=add_years(p["granted"], 3), note="演示数据", created_at=now,
                                       updated_at=now))
            user = uow.s.scalars(select(User).where(User.username == p["user"])).first()
            if user is not None and uow.s.scalars(select(PlatformAccount).where(
                    PlatformAccount.credit_code == p["credit_code"])).first() is None:
                uow.s.add(PlatformAccount(credit_code=p["credit_code"], user_id=user.id))
            created += 1
        uow.commit()
    if not created:
        yield "supervision: demo platforms present (unchanged)"
        return
    yield f"supervision: {created} recognised platforms mid-supervision"
    county_actors = {p["county"]: _actor(rt, f"county-{p['county']}") for p in specs}
    current = sv.reporting_quarter(today)
    history = [current]
    for _ in range(3):
        history.insert(0, sv.previous_quarter(*history[0]))
    for y, q in history:
        start_quarter(rt.uow(), y, q)
        last = (y, q) == current
        for p in specs:
            platform, county = _actor(rt, p["user"]), county_actors[p["county"]]
            if platform is None or county is None:
                continue
            bk = sv.report_business_key(p["credit_code"], y, q)
            if not last:
                _file(rt, bk, q, platform, county, accept=True)
            elif p["current"] != "open":
                _file(rt, bk, q, platform, county, accept=p["current"] == "accepted")
        if not last:
            for county_code, county in county_actors.items():
                tid = _task(rt, sv.aggregate_business_key(county_code, y, q), "ca_submit")
                if tid and county is not None:
                    complete_task(rt.uow(), county, tid, {"aggregate_remarks": "演示：按期汇总报送"})
            _backdate(rt, y, q)
        yield f"supervision: {sv.quarter_key(y, q)} reports {'in progress' if last else 'filed and aggregated'}"
