"""The task lists read their pages from indexes shaped like them (docs/performance.md): the plan of
each arm of a county officer's and a reviewer's list uses its index, with no sort of all open rows
and no scan of the table, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, text

from processes.access import task_arms
from processes.models import ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.queries import task_page_statements

ROWS = 12_000
COUNTIES = ("dongchangfu", "chiping", "linqing", "yanggu", None)


def _fill(rt: Any) -> None:
    """``ROWS`` open tasks: pools of county officers in five counties (one of them none), of the bureau
    and of experts; two in seven assigned to the two users whose lists are explained; a fifth without a
    due date."""
    now = rt.now()
    with rt.uow() as uow:
        d = ProcessDefinition(key="bulk", version=1, name="bulk", content_hash="x", sources={}, bpmn_file="b.bpmn",
                              deployed_at=now)
        uow.s.add(d)
        uow.s.flush()
        uow.s.execute(insert(ProcessInstance), [dict(
            id=100_000 + i, definition_id=d.id, process_key="bulk", business_key=f"BULK-2026-{i:05d}", state="running",
            county=COUNTIES[i % 5], started_at=now, updated_at=now, workflow="{}", serializer_version="",
            lock_version=1, active_elements=[]) for i in range(ROWS)])
        holders = dict(uow.s.execute(select(User.username, User.id).where(
            User.username.in_(("county-dongchangfu", "reviewer")))).all())
        owners = [holders["county-dongchangfu"], holders["reviewer"]]
        rows = []
        for i in range(ROWS):
            role = ("county_officer", "county_officer", "municipal_reviewer", "expert")[i % 4]
            assignee = owners[i % 7] if i % 7 < 2 else None
            rows.append(dict(task_id=f"t-{i:06d}", instance_id=100_000 + i, element_id="county_review", name="审核",
                             lane=None, role=role, county=COUNTIES[i % 5], assignee_id=assignee, candidates=[],
                             pool=assignee is None, draft=None, due_at=None if i % 5 == 0 else now + timedelta(hours=i),
                             form_key=None, process_key="bulk", business_key=f"BULK-2026-{i:05d}", created_at=now))
        uow.s.execute(insert(TaskIndex), rows)
        uow.commit()
    with rt.db.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _user(rt: Any, username: str) -> User:
    with rt.uow() as uow:
        u = uow.s.scalars(select(User).where(User.username == username)).one()
        uow.s.expunge(u)
        return u


def _plan(rt: Any, stmt: Any) -> tuple[str, list[str]]:
    """(plan text, index names used)."""
    sql = str(stmt.compile(rt.db, compile_kwargs={"literal_binds": True}))
    with rt.db.connect() as conn:
        if rt.db.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            plan = "\n".join(r[3] for r in rows)
            return plan, [w for w in plan.replace("(", " ").split() if w.startswith("ix_")]
        doc = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar()
    nodes: list[dict[str, Any]] = []
    stack = [(doc if isinstance(doc, list) else json.loads(doc))[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return json.dumps(nodes), [n["Index Name"] for n in nodes if "Index Name" in n]


def test_each_arm_of_a_task_list_reads_its_index_in_order(runtime):
    _fill(runtime)
    expected = {"county-dongchangfu": ["ix_task_index_own", "ix_task_index_county_pool", "ix_task_index_county_pool"],
                "reviewer": ["ix_task_index_own", "ix_task_index_pool"]}
    for username, indexes in expected.items():
        user = _user(runtime, username)
        statements = task_page_statements(task_arms(user), [], 100)
        assert len(statements) == len(indexes)
        for stmt, index in zip(statements, indexes, strict=True):
            plan, used = _plan(runtime, stmt)
            # PostgreSQL may read the county-less pool from the role's index (county as a filter): still
            # in order, no sort
            allowed = {index} | ({"ix_task_index_pool"} if index == "ix_task_index_county_pool" else set())
            assert used and set(used) <= allowed, (username, index, plan)
            if runtime.db.dialect.name == "sqlite":
                assert "TEMP B-TREE" not in plan, plan
                assert "SCAN task_index" not in plan or "USING INDEX" in plan, plan
            else:
                kinds = [n["Node Type"] for n in json.loads(plan)]
                assert "Seq Scan" not in kinds and "Sort" not in kinds, (username, index, kinds)


def test_the_merged_page_is_the_visible_tasks_in_due_order(runtime, app):
    _fill(runtime)
    from processes import queries

    user = _user(runtime, "county-dongchangfu")
    page = queries.list_tasks(runtime.uow(readonly=True), user, limit=50, offset=20)
    with runtime.uow() as uow:
        from processes.access import task_visibility

        every = uow.s.scalars(select(TaskIndex).where(task_visibility(user))
                              .order_by(*queries.DUE_ORDER).limit(50).offset(20)).all()
    assert [t["id"] for t in page] == [r.task_id for r in every]
    assert len(page) == 50
