"""How late do timers fire? ``python -m tests.bench.timer_latency [--poll S] [--timers N] [--db URL]``

Runs the real scheduler (processes.scheduler.Scheduler, APScheduler) in a thread on a fresh SQLite
database (or --db), on the real clock, at the default poll interval (Settings.scheduler_poll_seconds,
2 s). Two kinds of timers:

- "planned": created well before they fall due (the usual case: a 5-working-day publicity); the
  scheduler knows them at its last poll and wakes up at their due time;
- "short": created while the scheduler sleeps and due before its next poll (worst case: found by
  the next poll).

Lateness = the application time the timer fired (the ``timer.fired`` audit entry) − its due time.
Goal: within 2 s. A timer that has not fired when the run ends counts as a failure (infinitely
late), not as a missing sample. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from tests.bench.common import line

ROOT = Path(__file__).resolve().parents[2]
TIMER_BPMN = ROOT / "tests" / "support" / "diagrams" / "timer.bpmn"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poll", type=float, default=None, help="poll interval in seconds (default: settings)")
    parser.add_argument("--timers", type=int, default=20, help="timers of each kind")
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from processes.db import make_engine
    from processes.migrate import upgrade
    from processes.models import AuditEntry, Timer
    from processes.runtime import build_runtime
    from processes.scheduler import Scheduler
    from processes.services import deploy, instances
    from processes.services.core import SYSTEM
    from processes.settings import Settings, load_settings

    tmp = tempfile.mkdtemp(prefix="timer-latency-")
    url = args.db or f"sqlite:///{tmp}/bench.db"
    db = make_engine(url)
    upgrade(db)
    poll = args.poll or Settings().scheduler_poll_seconds
    settings = load_settings("development", instance_path=tmp, database_url=url, scheduler_poll_seconds=poll)
    rt = build_runtime(settings, db)  # demo clock, running in real time (no offset)
    deploy.deploy_file(rt.uow(), SYSTEM, TIMER_BPMN.name, TIMER_BPMN.read_text(encoding="utf-8"))

    scheduler = Scheduler(rt, poll_seconds=poll, reminder_seconds=3600, name="bench")
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    while not scheduler.leading.is_set():
        time.sleep(0.01)

    due: dict[int, tuple[str, datetime]] = {}
    n = args.timers
    # planned: due 3 .. 3 + 2n/3 s from now, created up front
    base = rt.now()
    for i in range(n):
        at = base + timedelta(seconds=3 + i * 0.66)
        inst = instances.start_instance(rt.uow(), SYSTEM, "timer_only", None, {"due_time": at.isoformat()})
        due[inst.id] = ("planned", at)
    # short (after the planned ones fired, so no wake-up of theirs helps): created at spread
    # moments of the poll cycle, due 0.3 s later
    end_planned = base + timedelta(seconds=3 + n * 0.66 + 0.5)
    while rt.now() < end_planned:
        time.sleep(0.05)
    for _ in range(n):
        time.sleep(poll * 0.37)
        at = rt.now() + timedelta(seconds=0.3)
        inst = instances.start_instance(rt.uow(), SYSTEM, "timer_only", None, {"due_time": at.isoformat()})
        due[inst.id] = ("short", at)

    deadline = time.monotonic() + 30 + poll * 3
    while time.monotonic() < deadline:
        uow = rt.uow()
        with uow:
            left = uow.s.scalar(select(Timer.id).limit(1))
        if left is None:
            break
        time.sleep(0.1)
    scheduler.stop()
    thread.join(10)

    uow = rt.uow()
    with uow:
        fired = {e.instance_id: datetime.fromisoformat(e.data["at"]) for e in uow.s.scalars(
            select(AuditEntry).where(AuditEntry.action == "timer.fired"))}
    print(f"timer latency at poll interval {poll:g} s ({url.split(':')[0]}, {len(due)} timers)")
    worst = 0.0
    never = 0
    for kind in ("planned", "short"):
        lates = [(fired[iid] - at).total_seconds() for iid, (k, at) in due.items() if k == kind and iid in fired]
        missing = sum(1 for iid, (k, _) in due.items() if k == kind and iid not in fired)
        never += missing
        if not lates:
            print(f"  {kind:8s} none fired ({missing} missing)")
            continue
        lates.sort()
        p95 = lates[min(len(lates) - 1, int(round(0.95 * (len(lates) - 1))))]
        worst = max(worst, lates[-1])
        print(f"  {kind:8s} n={len(lates):3d}  min {lates[0]:.3f} s  median {statistics.median(lates):.3f} s  "
              f"p95 {p95:.3f} s  max {lates[-1]:.3f} s" + (f"  ({missing} did not fire)" if missing else ""))
    # a timer that never fired is a failure, not a missing sample: its lateness is unbounded
    note = f"{len(due) - never} of {len(due)} fired; poll {poll:g} s; {url.split(':')[0]}"
    if never:
        note += f"; {never} NEVER FIRED (counted as infinitely late)"
    line("timer latency max s", math.inf if never else worst, "<= 2", ".3f", note)
    print(f"(measured {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)")


if __name__ == "__main__":
    main()
