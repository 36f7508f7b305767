"""`make bench`: start + 5 submits, and a loop of 200 iterations, over real HTTP against the app.

The app runs in its own process (as `make run` does, without the scheduler) on a fresh SQLite
database. Every request is authenticated, validated against the form, indexed and audited.

- ``http start+5 median ms`` / ``http submit median ms``: 1 warm-up and ``BENCH_RUNS`` (30) runs of
  start + 5 submits of a five-task process; medians.
- ``loop 200 growth``: a user task that loops back through a gateway (tests/support/diagrams/loop.bpmn).
  One instance is driven through 200 iterations; then its submits (iteration 201, 202, …) are timed
  interleaved with submits of fresh instances (iterations 1–10, a new instance every 10), so that
  machine noise hits both alike; the ratio of the medians (``BENCH_LOOP_PAIRS`` pairs, 100).
"""

from __future__ import annotations

import os
import time

from tests.bench.common import ROOT, Client, line, median, percentile, server

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
LOOPS = int(os.environ.get("BENCH_LOOPS", "200"))
PAIRS = int(os.environ.get("BENCH_LOOP_PAIRS", "100"))
DIAGRAMS = ROOT / "tests" / "support" / "diagrams"


def one_run(c: Client) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    inst = c.call("POST", "/api/v1/process-instances", {"process_key": "five_tasks"})
    task_id = inst["tasks"][0]["id"]
    submits = []
    for i in range(1, 6):
        s0 = time.perf_counter()
        res = c.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {f"note{i}": "同意", f"amount{i}": i}})
        submits.append((time.perf_counter() - s0) * 1000)
        tasks = res["instance"]["tasks"]
        task_id = tasks[0]["id"] if tasks else ""
    assert res["instance"]["state"] == "completed", res
    return (time.perf_counter() - t0) * 1000, submits


class Loop:
    """One loop instance; ``submit()`` completes its open task (again=True) and times it."""

    def __init__(self, c: Client) -> None:
        self.c = c
        inst = c.call("POST", "/api/v1/process-instances", {"process_key": "loop_task"})
        self.task_id = inst["tasks"][0]["id"]
        self.iterations = 0

    def submit(self) -> float:
        s0 = time.perf_counter()
        res = self.c.call("POST", f"/api/v1/tasks/{self.task_id}/complete", {"data": {"figure": self.iterations,
                                                                                        "again": True}})
        elapsed = (time.perf_counter() - s0) * 1000
        self.task_id = res["instance"]["tasks"][0]["id"]
        self.iterations += 1
        return elapsed


def main() -> None:
    with server() as port:
        c = Client(port).login("owner")
        c.deploy(DIAGRAMS / "five_tasks.bpmn")
        c.deploy(DIAGRAMS / "loop.bpmn")
        c.login("applicant1")
        one_run(c)  # warm-up
        totals, submits = [], []
        for _ in range(RUNS):
            total, subs = one_run(c)
            totals.append(total)
            submits.extend(subs)
        print(f"runs: {RUNS} (+1 warm-up), SQLite, werkzeug threaded server, keep-alive client; "
              f"p90 start+5 {percentile(totals, 90):.1f} ms, p90 submit {percentile(submits, 90):.2f} ms")
        line("http start+5 median ms", median(totals), "<= 30")
        line("http submit median ms", median(submits), "<= 5", ".2f")

        old = Loop(c)
        for _ in range(LOOPS):
            old.submit()
        fresh = Loop(c)
        early, late = [], []
        for _ in range(PAIRS):
            if fresh.iterations >= 10:
                fresh = Loop(c)
            early.append(fresh.submit())
            late.append(old.submit())
        line("loop 200 growth", median(late) / median(early), "<= 1.1", ".2f",
             f"{PAIRS} interleaved pairs: iterations 1-10 median {median(early):.2f} ms, iterations "
             f"{LOOPS + 1}-{LOOPS + PAIRS} median {median(late):.2f} ms")


if __name__ == "__main__":
    main()
