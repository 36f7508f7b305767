from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from processes.models import AuditEntry, ProcessInstance, User
from processes.runtime import Runtime
from processes.scheduler import Scheduler
from processes.services import deploy, instances
from processes.services.core import SYSTEM, Actor

HERE = Path(__file__).resolve().parent
TIMER_BPMN = HERE / "timer.bpmn"
EVENT_GW_BPMN = HERE / "event_gateway.bpmn"


def deploy_file(rt: Runtime, path: Path) -> None:
    deploy.deploy_file(rt.uow(), SYSTEM, path.name, path.read_text(encoding="utf-8"))


def actor(rt: Runtime, username: str = "reviewer") -> Actor:
    uow = rt.uow()
    with uow:
        user = uow.s.scalars(select(User).where(User.username == username)).one()
        return Actor.of(user)


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


def wait_until(cond, timeout: float = 10.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
