"""`make bench`: the whole procedure for a year's applications, through the service layer, on the
simulated clock: ``python -m tests.bench.procedure_bench`` (``BENCH_APPLICATIONS``, default 1000).

On a fresh SQLite database, starting Monday 2026-09-28: every application is submitted with its 11
materials, recommended by its county (8 counties), sent to three experts who all approve, approved
by the bureau (tests/support/procedure.py); the clock moves past the 5-working-day publicity, the
publicity timers fire and every platform is granted its title. Then three years of supervision: at
the start of each quarter the clock moves there (timers on the way fire), the daily job starts the
quarter's report of every platform and the counties' aggregates, every platform files its report,
its county accepts it, and each county submits its aggregate; until the titles expire. One figure:
the wall time of all of it, with what it did.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from processes.clock import CST
from processes.migrate import upgrade
from processes.models import ProcessInstance, TaskIndex, User
from processes.runtime import Runtime, build_runtime
from processes.services.clock import set_clock
from processes.services.core import SYSTEM, Actor
from processes.services.users import ensure_demo_users
from processes.settings import load_settings
from processes.supervision.services import deploy_supervision, run_supervision_jobs
from processes.tasks.complete import complete_task
from tests.bench.common import line
from tests.support.procedure import PUBLICITY_OVER, Procedure, deploy_recognition, open_round

N = int(os.environ.get("BENCH_APPLICATIONS", "1000"))
START = datetime(2026, 9, 28, 9, 0, tzinfo=CST)
FORM = {"smes_served": 30, "activities": 3, "trainees": 120, "financing_yi": 0.5, "fees_wan": 12.0,
        "low_fee_share": 20.0, "satisfaction_rate": 95.0}
Q4 = {"year_summary": "全年服务企业 120 家。", "next_year_plan": "明年拓展融资服务。"}


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _runtime(tmp: Path) -> Runtime:
    settings = load_settings("test", instance_path=str(tmp / "instance"), database_url=f"sqlite:///{tmp / 'b.db'}")
    rt = build_runtime(settings)
    upgrade(rt.db)
    rt.clock.set_state(START, timedelta(0))  # type: ignore[attr-defined]
    ensure_demo_users(rt.uow(), settings.config_dir)
    return rt


class Completer:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.actors: dict[int, Actor] = {}
        self.count = 0

    def open_tasks(self, element_id: str) -> list[tuple[str, int | None, str | None]]:
        with self.rt.uow() as uow:
            return [tuple(r) for r in uow.s.execute(  # type: ignore[misc]
                select(TaskIndex.task_id, TaskIndex.assignee_id, TaskIndex.county)
                .where(TaskIndex.element_id == element_id).order_by(TaskIndex.id)).all()]

    def actor(self, user_id: int | None, county: str | None) -> Actor:
        with self.rt.uow() as uow:
            if user_id is None:
                user_id = uow.s.scalar(select(User.id).where(User.username == f"county-{county}"))
            assert user_id is not None
            if user_id not in self.actors:
                self.actors[user_id] = Actor.of(uow.s.get(User, user_id))  # type: ignore[arg-type]
        return self.actors[user_id]

    def complete_all(self, element_id: str, data: dict[str, Any]) -> int:
        n = 0
        for task_id, assignee, county in self.open_tasks(element_id):
            complete_task(self.rt.uow(), self.actor(assignee, county), task_id, data)
            n += 1
        self.count += n
        return n


def main() -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        rt = _runtime(Path(tmpdir))
        deploy_recognition(rt)
        deploy_supervision(rt.uow())
        open_round(rt)
        t0 = time.perf_counter()
        proc = Procedure(rt, N)
        proc.run_to_publicity()
        t_decided = time.perf_counter()
        set_clock(rt.uow(), SYSTEM, PUBLICITY_OVER)
        t_granted = time.perf_counter()
        states = proc.states()
        assert states == {"completed": N}, states
        sizes = sorted(proc.stored_sizes())
        line("recognition instance bytes", sizes[-1], "<= 40 KB", ",d",
             f"largest of {N} finished recognition instances (UTF-8 bytes stored); median {sizes[len(sizes) // 2]:,d}")
        _say(f"recognition: {N} applications decided in {t_decided - t0:.1f} s, publicity timers fired and "
             f"titles granted in {t_granted - t_decided:.1f} s")
        done = Completer(rt)
        y, q = 2027, 1  # the first report (2026Q4) is filed in January; the titles expire in October 2029
        quarters = 0
        while (y, q) <= (2030, 1):
            set_clock(rt.uow(), SYSTEM, datetime(y, 3 * (q - 1) + 1, 1, 9, 0, tzinfo=CST))
            started = run_supervision_jobs(rt)["started"]
            quarters += bool(started)
            ry, rq = (y - 1, 4) if q == 1 else (y, q - 1)
            filed = done.complete_all("qr_fill", {**FORM, **(Q4 if rq == 4 else {})})
            done.complete_all("qr_review", {"review_decision": "accept"})
            done.complete_all("ca_submit", {"aggregate_remarks": "按期汇总"})
            _say(f"  {ry}Q{rq}: {len(started)} instances started, {filed} reports filed and accepted "
                 f"({time.perf_counter() - t0:.0f} s so far)")
            y, q = (y + 1, 1) if q == 4 else (y, q + 1)
        total = time.perf_counter() - t0
        with rt.uow() as uow:
            instances = uow.s.scalar(select(func.count()).select_from(ProcessInstance)) or 0
            biggest = uow.s.scalar(select(func.max(func.length(ProcessInstance.workflow)))) or 0
        line(f"procedure {N} applications s", total, "<= 120",
             note=f"recognition {t_granted - t0:.1f} s, supervision {total - (t_granted - t0):.1f} s "
                  f"({quarters} quarters); {instances} instances, {done.count} supervision completions; "
                  f"largest stored workflow {biggest / 1024:.1f} KB; SQLite, one process")


if __name__ == "__main__":
    main()
