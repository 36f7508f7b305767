"""Open tasks in bulk, written straight into the tables (task lists at the size of a real year)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from processes.models import ProcessDefinition, ProcessInstance, TaskIndex, User

COUNTIES = ("dongchangfu", "chiping", "linqing", "yanggu", "shenxian", "donge", "guanxian", "gaotang")


def fill_open_tasks(db: Engine, now: datetime, n: int, county: str = "dongchangfu", others: int = 0) -> None:
    """``n`` open instances waiting for the county review of ``county`` (the pool of its officers, a
    fifth without a due date), plus ``others`` open tasks of other counties and roles, some assigned."""
    with Session(db) as s:
        d = ProcessDefinition(key="bulk", version=1, name="bulk", content_hash="bulk", sources={},
                              bpmn_file="bulk.bpmn", deployed_at=now)
        s.add(d)
        s.flush()
        users = s.scalars(select(User.id)).all()
        first = (s.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
        total = n + others
        instances, tasks = [], []
        for i in range(total):
            mine = i < n
            c = county if mine else COUNTIES[i % len(COUNTIES)]
            role = "county_officer" if mine or i % 3 else ("municipal_reviewer", "expert")[i % 2]
            assignee = None if mine or i % 4 else users[i % len(users)]
            iid = first + i
            instances.append(dict(id=iid, definition_id=d.id, process_key="bulk", business_key=f"BULK-2026-{iid:06d}",
                                  state="running", county=c, started_at=now, updated_at=now, workflow="{}",
                                  serializer_version="", lock_version=1, active_elements=["county_review"]))
            tasks.append(dict(task_id=f"bulk-{iid:08d}", instance_id=iid, element_id="county_review", name="县级预审",
                              lane=None, role=role, county=c, assignee_id=assignee, candidates=[],
                              pool=assignee is None, draft=None,
                              due_at=None if i % 5 == 0 else now + timedelta(minutes=7 * (i % 997)),
                              form_key=None, process_key="bulk", business_key=f"BULK-2026-{iid:06d}", created_at=now))
        for start in range(0, total, 2000):
            s.execute(insert(ProcessInstance), instances[start:start + 2000])
            s.execute(insert(TaskIndex), tasks[start:start + 2000])
        if db.dialect.name == "postgresql":  # ids given explicitly: move the sequence past them
            s.execute(text("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), "
                           "(SELECT max(id) FROM process_instance))"))
        s.commit()
    with db.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
