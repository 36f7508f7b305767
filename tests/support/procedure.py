"""The whole recognition procedure through the service layer (no HTTP), for many applications at once.

Used by the stored-size test (``tests/recognition/test_state_size.py``) and the benchmark
``tests.bench.procedure_bench`` (1,000 applications plus three years of supervision). Each
application has its own applicant user and credit code; the steps (raw completions, as
``/complete``) are the ones the demo users take in the API tests (``tests/recognition/conftest.py``):
apply with every material, the county recommends with the drawn survey sample, the bureau sends it
to three experts, all approve, the bureau approves, the publicity timer fires on a clock move and the
title is granted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from handlers.credit_code import make_credit_code
from processes import queries
from processes.clock import CST
from processes.models import ProcessInstance, TaskIndex, User
from processes.recognition import services as recognition
from processes.runtime import Runtime
from processes.services import deploy, instances, users
from processes.services.core import Actor
from processes.tasks.complete import complete_task
from tests.recognition.conftest import CHECKLIST, DIAGRAMS, PDF, UPLOADS, valid_application

COUNTIES = ("dongchangfu", "chiping", "linqing", "yanggu", "shenxian", "donge", "guanxian", "gaotang")


def actor_of(rt: Runtime, username: str) -> Actor:
    with rt.uow() as uow:
        return Actor.of(uow.s.scalars(select(User).where(User.username == username)).one())


def deploy_recognition(rt: Runtime) -> None:
    owner = actor_of(rt, "owner")
    for name in ("art7_thresholds.dmn", "art8_thresholds.dmn", "recognition.bpmn"):
        deploy.deploy_file(rt.uow(), owner, name, (DIAGRAMS / name).read_bytes())


def open_round(rt: Runtime, year: int = 2026, deadline: str = "2026-12-31") -> None:
    recognition.open_round(rt.uow(), actor_of(rt, "admin"), year, deadline)


def counties(rt: Runtime) -> list[str]:
    with rt.uow() as uow:
        found = set(uow.s.scalars(select(User.county).where(User.role == "county_officer")))
    return [c for c in COUNTIES if c in found] or sorted(c for c in found if c)


class Procedure:
    """Drives ``n`` applications step by step; each step runs for all of them before the next."""

    def __init__(self, rt: Runtime, n: int, first: int = 1) -> None:
        self.rt = rt
        self.n = n
        self.counties = counties(rt)
        self.apps: list[dict[str, Any]] = []
        self._actors: dict[str, Actor] = {}
        for i in range(first, first + n):
            county = self.counties[i % len(self.counties)]
            self.apps.append({"i": i, "user": f"bench-app-{i:05d}", "county": county,
                              "officer": f"county-{county}",
                              "credit_code": make_credit_code(f"91371500{i:08d}")})

    def actor(self, username: str) -> Actor:
        found = self._actors.get(username)
        if found is None:
            found = self._actors[username] = actor_of(self.rt, username)
        return found

    def _task(self, app: dict[str, Any], element_id: str, assignee: str | None = None) -> str:
        with self.rt.uow() as uow:
            stmt = select(TaskIndex.task_id).where(TaskIndex.instance_id == app["instance_id"],
                                                   TaskIndex.element_id == element_id)
            if assignee is not None:
                stmt = stmt.join(User, User.id == TaskIndex.assignee_id).where(User.username == assignee)
            return uow.s.scalars(stmt).one()

    def _do(self, app: dict[str, Any], who: str, element_id: str, **data: Any) -> None:
        task_id = self._task(app, element_id, who if element_id == "expert_review" else None)
        complete_task(self.rt.uow(), self.actor(who), task_id, data)

    # -- the steps -----------------------------------------------------------------------------
    def users(self) -> None:
        """The applicants, inserted in one transaction (one password hash for all: argon2 is slow on purpose)."""
        password = users.hash_password("demo")
        now = self.rt.now()
        with self.rt.uow() as uow:
            uow.s.add_all([User(username=app["user"], display_name=app["user"], password_hash=password,
                                role="applicant", county=app["county"], active=True, auth_version=1, created_at=now)
                           for app in self.apps])
            uow.commit()

    def apply(self) -> None:
        for app in self.apps:
            who = self.actor(app["user"])
            inst = instances.start_instance(self.rt.uow(), who, "recognition", None, {})
            app["instance_id"], app["business_key"] = inst.id, inst.business_key
            for mkey in UPLOADS:
                recognition.upload_material(self.rt.uow(), who, inst.business_key or "", mkey, f"{mkey}.pdf", PDF)
            self._do(app, app["user"], "fill_application",
                     **valid_application(credit_code=app["credit_code"], unit_name=f"聊城市服务平台{app['i']:05d}"))

    def recommend(self) -> None:
        for app in self.apps:
            officer = self.actor(app["officer"])
            task_id = self._task(app, "county_review")
            with self.rt.uow() as uow:
                user = uow.s.get(User, officer.id)
                uow.s.expunge(user)
            drawn = queries.get_task(self.rt.uow(), user, task_id)["data"]["survey_sample"]
            samples = [{k: s[k] for k in ("enterprise", "person", "post", "phone", "service")} |
                       {"rating": "very_satisfied"} for s in drawn]
            complete_task(self.rt.uow(), officer, task_id, {
                "county_decision": "recommend", "county_opinion": "经核查，符合条件，同意推荐。",
                "survey_method_phone": True, "survey_samples": samples, **CHECKLIST})

    def review(self) -> None:
        for app in self.apps:
            self._do(app, "reviewer", "municipal_review", review_action="proceed", onsite_check=False,
                     experts=["expert1", "expert2", "expert3"])

    def experts(self) -> None:
        for app in self.apps:
            for expert in ("expert1", "expert2", "expert3"):
                self._do(app, expert, "expert_review", verdict="approve", opinion=f"{expert} 的评审意见", score=90,
                         expert_title="高级工程师", expert_employer="聊城大学")

    def decide(self) -> None:
        for app in self.apps:
            self._do(app, "reviewer", "review_decision", final_decision="approve",
                     decision_reasons="经审核并参考专家组意见作出决定。")

    def run_to_publicity(self) -> None:
        self.users()
        self.apply()
        self.recommend()
        self.review()
        self.experts()
        self.decide()

    def states(self) -> dict[str, int]:
        with self.rt.uow() as uow:
            rows = uow.s.execute(select(ProcessInstance.state).where(
                ProcessInstance.id.in_([a["instance_id"] for a in self.apps]))).scalars().all()
        out: dict[str, int] = {}
        for s in rows:
            out[s] = out.get(s, 0) + 1
        return out

    def stored_sizes(self) -> list[int]:
        with self.rt.uow() as uow:
            return [len(w.encode()) for w in uow.s.scalars(select(ProcessInstance.workflow).where(
                ProcessInstance.id.in_([a["instance_id"] for a in self.apps])))]


PUBLICITY_OVER = datetime(2026, 10, 12, 9, 0, tzinfo=CST)
