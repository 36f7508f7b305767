"""Supervision fixtures: the diagrams deployed, recognised platforms inserted straight into the
register (as the recognition area would after a grant), and moving the simulated clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from handlers.credit_code import make_credit_code
from processes.clock import CST
from processes.recognition.models import PlatformRegister
from processes.runtime import Runtime
from processes.services.clock import set_clock
from processes.services.core import SYSTEM
from processes.supervision.services import deploy_supervision, link_platform_user, run_supervision_jobs


class Sup:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def at(self, day: str, hour: int = 9) -> dict[str, Any]:
        """Move the clock to ``day`` (CST) and run the supervision job, as the scheduler would."""
        y, m, d = (int(x) for x in day.split("-"))
        set_clock(self.rt.uow(), SYSTEM, datetime(y, m, d, hour, 0, tzinfo=CST))
        return run_supervision_jobs(self.rt)

    def platform(self, prefix: str = "91371500MA3C0001", county: str = "dongchangfu",
                 granted: str = "2026-09-28", name: str = "聊城市中小企业服务中心",
                 user: str | None = "applicant1", years: int = 3) -> PlatformRegister:
        code = make_credit_code(prefix)
        g = date.fromisoformat(granted)
        uow = self.rt.uow()
        with uow:
            now = datetime.now(UTC)
            e = PlatformRegister(unit_name=name, credit_code=code, county=county, status="recognised",
                                 valid_from=g, valid_to=g.replace(year=g.year + years), note="",
                                 created_at=now, updated_at=now)
            uow.s.add(e)
            uow.commit()
        if user:
            link_platform_user(self.rt.uow(), SYSTEM, code, user)
        return e


@pytest.fixture
def sup(runtime: Runtime) -> Sup:
    deploy_supervision(runtime.uow())
    return Sup(runtime)


FORM = {"smes_served": 30, "activities": 3, "trainees": 120, "financing_yi": 0.5, "fees_wan": 12.0,
        "low_fee_share": 20.0, "satisfaction_rate": 95.0}
Q4_EXTRAS = {"year_summary": "全年服务企业 120 家，开展活动 12 场。", "next_year_plan": "下年度拓展融资与培训服务。"}


def task_of(api: Any, user: str, business_key: str, element_id: str) -> dict[str, Any]:
    tasks = [t for t in api.as_user(user).tasks(limit=500)
             if t["business_key"] == business_key and t["element_id"] == element_id]
    assert len(tasks) == 1, (user, business_key, element_id, tasks)
    return tasks[0]


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()
