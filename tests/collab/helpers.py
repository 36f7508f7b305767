"""Drive processes through the service layer as named demo users (shared by the collab and browser
tests). A new diagram needs only a Flow: ``Flow(rt, "recognition").start("applicant1")`` then
``.do("county-dongchangfu", "county_review", decision="return", opinion="补充材料")`` — the
return-for-supplement and the recognition happy path plug in the same way when that diagram lands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from processes.models import TaskIndex, User
from processes.runtime import Runtime
from processes.services import deploy, instances, users
from processes.services.core import SYSTEM, Actor
from processes.tasks import submit

HERE = Path(__file__).resolve().parent
COLLAB_BPMN = HERE / "fixtures" / "collab.bpmn"
SAMPLE_BPMN = HERE.parent / "fixtures" / "sample.bpmn"


def user(rt: Runtime, username: str) -> User:
    with rt.uow() as uow:
        u = uow.s.scalars(select(User).where(User.username == username)).one()
        uow.s.expunge(u)
        return u


def actor(rt: Runtime, username: str) -> Actor:
    return Actor.of(user(rt, username))


def add_user(rt: Runtime, username: str, role: str, county: str | None = None, display_name: str = "") -> User:
    return users.create_user(rt.uow(), SYSTEM, username, "demo", role, county, display_name or username)


def deploy_file(rt: Runtime, path: Path) -> None:
    deploy.deploy_file(rt.uow(), actor(rt, "owner"), path.name, path.read_bytes())


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
        instances.claim_task(self.rt.uow(), actor(self.rt, username), self.task_id(element_id))
        return self

    def do(self, username: str, element_id: str, **data: Any) -> Flow:
        """Complete the open task ``element_id`` as ``username`` (through the UI's checks)."""
        submit.submit_task(self.rt.uow(), actor(self.rt, username), self.task_id(element_id), data)
        return self


def sample_at_county_review(rt: Runtime, applicant: str = "applicant1") -> Flow:
    """tests/fixtures/sample.bpmn, filled by the applicant, waiting for the county (pool task)."""
    flow = Flow(rt, "sample", SAMPLE_BPMN).start(applicant)
    return flow.do(applicant, "fill", unit_name="东昌府某服务平台", total_assets_wan=250)


def collab_at_county_review(rt: Runtime, applicant: str = "applicant1") -> Flow:
    flow = Flow(rt, "collab_demo", COLLAB_BPMN).start(applicant)
    return flow.do(applicant, "fill", unit_name="东昌府某服务平台", served_list=[{"enterprise": "甲公司"}])
