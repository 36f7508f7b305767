"""Two people complete the same task at the same moment: exactly one wins (ARCHITECTURE §3)."""

from __future__ import annotations

import threading

from processes.errors import DomainError
from processes.services import deploy, instances
from processes.services.core import SYSTEM, Actor
from processes.tasks.complete import complete_task
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
            complete_task(runtime.uow(), actor, task_id, {"unit_name": f"u{n}", "total_assets_wan": n})
            results.append("ok")
        except DomainError as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results).count("ok") == 1, results
    assert all(r in ("ok", "Conflict") for r in results), results  # the losers: 409, never 404
    with uow:
        from processes.models import AuditEntry

        completions = uow.s.scalars(select(AuditEntry).where(AuditEntry.action == "task.completed")).all()
    assert len(completions) == 1


def test_a_hundred_double_completions_over_http_give_one_success_and_409s(app, runtime, api):
    """Two clients complete one task at the same moment, a hundred times: one 2xx, the other 409."""
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    api.as_user("applicant1")
    tasks = []
    for _ in range(100):
        r = api.post("/api/v1/process-instances", json={"process_key": "sample"})
        assert r.status_code == 201, r.get_json()
        tasks.append(r.get_json()["tasks"][0]["id"])
    token = api.tokens["applicant1"]
    statuses: list[tuple[int, int]] = []
    for task_id in tasks:
        barrier = threading.Barrier(2)
        got: list[int] = []

        def complete(n: int, task_id: str = task_id, barrier: threading.Barrier = barrier,
                     got: list[int] = got) -> None:
            client = app.test_client()
            barrier.wait()
            r = client.post(f"/api/v1/tasks/{task_id}/complete", headers={"Authorization": f"Bearer {token}"},
                            json={"data": {"unit_name": f"单位{n}", "total_assets_wan": 300}})
            got.append(r.status_code)

        pair = [threading.Thread(target=complete, args=(n,)) for n in range(2)]
        for th in pair:
            th.start()
        for th in pair:
            th.join(60)
        statuses.append(tuple(sorted(got)))  # type: ignore[arg-type]
    assert statuses == [(200, 409)] * 100, sorted(set(statuses))
