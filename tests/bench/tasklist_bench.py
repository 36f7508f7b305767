"""`make bench`: a county officer's task list with 10,000 open instances, over HTTP.

For SQLite and (when a server is reachable, see tests/bench/common.py) PostgreSQL: the app on a
fresh database, the officer's list ``GET /api/v1/tasks?limit=100`` timed ``BENCH_LIST_RUNS`` (300)
times after a warm-up, first on the empty database, then with 10,000 open instances waiting for the
county's review in the officer's county (worst case: the whole year in one county) plus 2,000 open
tasks elsewhere. Prints the p95 (and p50) of each.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime

from processes.db import make_engine
from tests.bench.common import (
    Client,
    app_env,
    failed,
    line,
    median,
    percentile,
    pg_available,
    pg_database,
    prepare,
    server,
)
from tests.support.bulk import fill_open_tasks

RUNS = int(os.environ.get("BENCH_LIST_RUNS", "300"))
OPEN = int(os.environ.get("BENCH_OPEN", "10000"))
NAME = "task list 10k open p95 ms"


def _times(port: int, full: bool) -> list[float]:
    c = Client(port).login("county-dongchangfu")
    for _ in range(20):
        c.call("GET", "/api/v1/tasks?limit=100")
    out = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        items = c.call("GET", "/api/v1/tasks?limit=100")
        out.append((time.perf_counter() - t0) * 1000)
    assert not full or len(items) == min(100, OPEN), len(items)
    return out


def run(label: str, database_url: str) -> None:
    instance = tempfile.mkdtemp(prefix="bench-list-")
    env = app_env(instance, database_url)
    prepare(env)
    with server(database_url, instance=instance, prepared=True) as port:
        empty = _times(port, False)
    url = database_url or f"sqlite:///{instance}/app.db"
    db = make_engine(url)
    fill_open_tasks(db, datetime.now(UTC), OPEN, others=2000)
    db.dispose()
    with server(database_url, instance=instance, prepared=True) as port:
        full = _times(port, True)
    line(NAME, percentile(full, 95), "<= 15", note=f"{label}, {RUNS} requests of 100 rows: p50 {median(full):.1f} ms; "
         f"empty database p50 {median(empty):.1f} / p95 {percentile(empty, 95):.1f} ms")


def main() -> None:
    run("SQLite", "")
    if pg_available():
        with pg_database("tasklist") as url:
            run("PostgreSQL", url)
    else:
        failed(NAME + " (PostgreSQL)", "<= 15", "no PostgreSQL server at BENCH_PG_URL")


if __name__ == "__main__":
    main()
