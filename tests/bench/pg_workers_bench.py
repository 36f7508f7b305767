"""`make bench`: throughput on PostgreSQL with gunicorn and two sync workers, the load coming from
another process (this one) over HTTP: ``python -m tests.bench.pg_workers_bench``.

A fresh PostgreSQL database (tests/bench/common.py), the app as in production (``gunicorn -w 2
app.wsgi:app``), 2,000 open county reviews in the officer's county. ``BENCH_CLIENTS`` (4) threads,
each with its own connection:

- ``pg 2 workers task list req/s``: the county officer's task list (20 rows) for ``BENCH_SECONDS`` (10);
- ``pg 2 workers completions/s``: each thread drives its own five-task instances, completing the next
  task as soon as the last one returned, for ``BENCH_SECONDS``.

Every error counts and is printed; a run with errors prints FAILED.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from processes.db import make_engine
from tests.bench.common import ROOT, Client, app_env, failed, line, pg_available, pg_database, prepare, server
from tests.support.bulk import fill_open_tasks

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
LIST = "pg 2 workers task list req/s"
DONE = "pg 2 workers completions/s"


def _load(port: int, username: str, step: Callable[[Client, dict], bool]) -> tuple[int, list[str]]:
    """Run ``step`` in ``CLIENTS`` threads for ``SECONDS``; (counted requests per second, errors)."""
    counts = [0] * CLIENTS
    errors: list[str] = []
    start = threading.Barrier(CLIENTS + 1)
    stop = threading.Event()

    def worker(i: int) -> None:
        c = Client(port).login(username)
        state: dict = {}
        start.wait()
        while not stop.is_set():
            try:
                if step(c, state):
                    counts[i] += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(str(exc)[:200])
                state.clear()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for t in threads:
        t.join(30)
    elapsed = time.perf_counter() - t0
    return int(sum(counts) / elapsed), errors


def task_list(c: Client, state: dict) -> bool:
    items = c.call("GET", "/api/v1/tasks?limit=20")
    assert len(items) == 20, len(items)
    return True


def completion(c: Client, state: dict) -> bool:
    """Complete the thread's open task; a new instance when the last one finished (a start: not counted)."""
    task_id = state.get("task")
    if not task_id:
        inst = c.call("POST", "/api/v1/process-instances", {"process_key": "five_tasks"})
        state["task"], state["i"] = inst["tasks"][0]["id"], 1
        state["starts"] = state.get("starts", 0) + 1
        return False
    i = state["i"]
    res = c.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {f"note{i}": "同意", f"amount{i}": i}})
    tasks = res["instance"]["tasks"]
    state["task"], state["i"] = (tasks[0]["id"], i + 1) if tasks else (None, 0)
    return True


def main() -> None:
    if not pg_available():
        failed(LIST, ">= 400", "no PostgreSQL server at BENCH_PG_URL")
        failed(DONE, ">= 150", "no PostgreSQL server at BENCH_PG_URL")
        return
    with pg_database("workers") as url:
        instance = tempfile.mkdtemp(prefix="bench-pg-")
        prepare(app_env(instance, url))
        db = make_engine(url)
        fill_open_tasks(db, datetime.now(UTC), 2000)
        db.dispose()
        with server(url, workers=2, instance=instance, prepared=True) as port:
            owner = Client(port).login("owner")
            owner.deploy(ROOT / "tests" / "support" / "diagrams" / "five_tasks.bpmn")
            rate, errors = _load(port, "county-dongchangfu", task_list)
            _report(LIST, rate, ">= 400", errors)

            rate, errors = _load(port, "applicant1", completion)
            _report(DONE, rate, ">= 150", errors, "a new five-task instance after every fifth (starts not counted)")


def _report(name: str, rate: int, goal: str, errors: list[str], note: str = "") -> None:
    if errors:
        failed(name, goal, f"{len(errors)} errors, first: {errors[0]} ({rate}/s)")
        return
    line(name, rate, goal, ".0f", f"{CLIENTS} client threads in another process, {SECONDS:g} s, 0 errors"
         + (f"; {note}" if note else ""))


if __name__ == "__main__":
    main()
