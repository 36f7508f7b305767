"""Two people complete the same task at the same moment: exactly one wins (ARCHITECTURE §3)."""

from __future__ import annotations

import threading

from processes.errors import DomainError
from processes.services import deploy, instances
from processes.services.core import SYSTEM, Actor
from tests.support.diagrams import HERE as FIXTURES


def test_concurrent_double_completion_exactly_one_wins(runtime):
    deploy.deploy_file(runtime.uow(), SYSTEM, "sample.bpmn", (FIXTURES / "sample.bpmn").read_text())
    from sqlalchemy import select

    from processes.models import TaskIndex, User

    uow = runtime.uow()
    with uow:
        applicant = uow.s.scalars(select(User).where(User.username == "applicant1")).one()
    actor = Actor.of(applicant)
    inst = instances.start_instance(runtime.uow(), actor, "sample")
    with uow:
        task_id = uow.s.scalars(select(TaskIndex.task_id).where(TaskIndex.instance_id == inst.id)).one()
    results: list[str] = []
    barrier = threading.Barrier(4)

    def submit(n: int) -> None:
        barrier.wait()
        try:
            instances.complete_task(runtime.uow(), actor, task_id, {"unit_name": f"u{n}", "total_assets_wan": n})
            results.append("ok")
        except DomainError as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results).count("ok") == 1, results
    assert all(r in ("ok", "Conflict", "NotFound") for r in results), results
    with uow:
        from processes.models import AuditEntry

        completions = uow.s.scalars(select(AuditEntry).where(AuditEntry.action == "task.completed")).all()
    assert len(completions) == 1
