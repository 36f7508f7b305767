"""Drive processes through the service layer as named demo users.

``Flow(rt, "sample", SAMPLE).start("applicant1").do("county-dongchangfu", "county_review", decision=...)``
walks one instance; the scheduler helpers start timer instances and count what fired.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from processes.models import AuditEntry, ProcessInstance, TaskIndex, User
from processes.runtime import Runtime
from processes.scheduler import Scheduler
from processes.services import deploy, instances, users
from processes.services.core import SYSTEM, Actor
from processes.tasks import complete, verbs
from tests.support.diagrams import COLLAB, SAMPLE


def user(rt: Runtime, username: str) -> User:
    with rt.uow() as uow:
        u = uow.s.scalars(select(User).where(User.username == username)).one()
        uow.s.expunge(u)
        return u


def actor(rt: Runtime, username: str = "reviewer") -> Actor:
    return Actor.of(user(rt, username))


def add_user(rt: Runtime, username: str, role: str, county: str | None = None, display_name: str = "") -> User:
    """A further user who logs in like the demo users (password "demo", shorter than an administrator
    may set: given the demo users' hash directly)."""
    u = users.create_user(rt.uow(), SYSTEM, username, "x" * rt.settings.password_min_length, role, county,
                          display_name or username)
    with rt.db.begin() as conn:
        conn.execute(User.__table__.update().where(User.id == u.id).values(
            password_hash=users.hash_password(users.DEMO_PASSWORD)))
    return u


def deploy_file(rt: Runtime, path: Path, who: str | None = "owner") -> None:
    deploy.deploy_file(rt.uow(), actor(rt, who) if who else SYSTEM, path.name, path.read_bytes())


class Flow:
    """One process instance driven step by step."""

    def __init__(self, rt: Runtime, process_key: str, bpmn: Path | None = None) -> None:
        self.rt = rt
        self.key = process_key
        self.instance_id: int | None = None
        self.business_key: str | None = None
        if bpmn is not None:
            deploy_file(rt, bpmn)

    def start(self, username: str = "applicant1", **variables: Any) -> Flow:
        inst = instances.start_instance(self.rt.uow(), actor(self.rt, username), self.key, None, variables)
        self.instance_id, self.business_key = inst.id, inst.business_key
        return self

    def task(self, element_id: str) -> TaskIndex:
        with self.rt.uow() as uow:
            row = uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == self.instance_id,
                                                        TaskIndex.element_id == element_id)).one()
            uow.s.expunge(row)
            return row

    def task_id(self, element_id: str) -> str:
        return self.task(element_id).task_id

    def claim(self, username: str, element_id: str) -> Flow:
        verbs.claim_task(self.rt.uow(), actor(self.rt, username), self.task_id(element_id))
        return self

    def do(self, username: str, element_id: str, **data: Any) -> Flow:
        """Complete the open task ``element_id`` as ``username`` (through the UI's checks)."""
        complete.complete_task(self.rt.uow(), actor(self.rt, username), self.task_id(element_id), data)
        return self


def sample_at_county_review(rt: Runtime, applicant: str = "applicant1") -> Flow:
    """The sample diagram, filled by the applicant, waiting for the county (pool task)."""
    flow = Flow(rt, "sample", SAMPLE).start(applicant)
    return flow.do(applicant, "fill", unit_name="东昌府某服务平台", total_assets_wan=250)


def collab_at_county_review(rt: Runtime, applicant: str = "applicant1") -> Flow:
    flow = Flow(rt, "collab_demo", COLLAB).start(applicant)
    return flow.do(applicant, "fill", unit_name="东昌府某服务平台", served_list=[{"enterprise": "甲公司"}])


# -- timers and the scheduler ------------------------------------------------------------------

def start_timer(rt: Runtime, due: datetime, who: Actor | None = None) -> int:
    inst = instances.start_instance(rt.uow(), who or actor(rt), "timer_only", None,
                                    {"due_time": due.isoformat()})
    return inst.id


def fired_counts(rt: Runtime, ids: list[int]) -> dict[int, int]:
    uow = rt.uow()
    with uow:
        rows = uow.s.execute(select(AuditEntry.instance_id, func.count()).where(
            AuditEntry.action == "timer.fired", AuditEntry.instance_id.in_(ids)).group_by(AuditEntry.instance_id))
        counts = {iid: 0 for iid in ids}
        counts.update({r[0]: r[1] for r in rows})
        return counts


def states(rt: Runtime, ids: list[int]) -> dict[int, str]:
    uow = rt.uow()
    with uow:
        return dict(uow.s.execute(select(ProcessInstance.id, ProcessInstance.state)
                                  .where(ProcessInstance.id.in_(ids))).all())


class Running:
    """A Scheduler running in a thread (as the scheduler process would)."""

    def __init__(self, rt: Runtime, name: str, poll: float = 0.2) -> None:
        self.scheduler = Scheduler(rt, poll_seconds=poll, reminder_seconds=3600, name=name)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            self.scheduler.run(wait=True)
        except BaseException as exc:  # noqa: BLE001
            self.error = exc

    def start(self) -> Running:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.scheduler.stop()
        self.thread.join(10)
        assert not self.thread.is_alive(), "scheduler did not stop"


def wait_until(cond: Callable[[], Any], timeout: float = 30.0, step: float = 0.05) -> bool:
    """Poll ``cond`` until it holds or ``timeout`` passes (tests wait for conditions, not for time)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
