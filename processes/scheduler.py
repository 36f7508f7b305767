"""The scheduler process: polls the timers table and fires what is due (APScheduler 3.x).

Never inside web workers. Exactly one runs: on PostgreSQL a session-level advisory lock makes a
second scheduler wait and take over when the first dies; on SQLite an exclusive lock file under
instance/ refuses a second one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import text

from processes.runtime import Runtime
from processes.services.clock import sync_clock
from processes.services.timers import fire_due

log = logging.getLogger("scheduler")
ADVISORY_KEY = 7_150_116


class SchedulerBusy(Exception):
    pass


@contextmanager
def leadership(rt: Runtime, wait: bool = True, poll: float = 1.0) -> Iterator[None]:
    if rt.db.dialect.name == "postgresql":
        conn = rt.db.connect()
        try:
            while True:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
                conn.commit()
                if got:
                    break
                if not wait:
                    raise SchedulerBusy("another scheduler holds the lock")
                log.info("another scheduler is active; waiting to take over")
                time.sleep(poll)
            yield
        finally:
            conn.close()  # the session lock ends with the connection
        return
    path = Path(rt.settings.instance_path) / "scheduler.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SchedulerBusy(f"another scheduler is running (SQLite allows one; lock {path})") from None
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def poll_once(rt: Runtime) -> int:
    sync_clock(rt.uow())
    return fire_due(rt.uow())


def run_scheduler(rt: Runtime, wait: bool = True) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    with leadership(rt, wait=wait):
        sched = BlockingScheduler()

        def job() -> None:
            try:
                n = poll_once(rt)
                if n:
                    log.info("fired timers on %d instances", n)
            except Exception:  # noqa: BLE001 - keep polling; the failure is in the log
                log.exception("timer poll failed")

        sched.add_job(job, "interval", seconds=rt.settings.scheduler_poll_seconds, id="fire-timers",
                      max_instances=1, coalesce=True)
        log.info("scheduler started (poll every %ss)", rt.settings.scheduler_poll_seconds)
        sched.start()
