"""The scheduler process: polls the timers table and fires what is due (APScheduler 3.x).

Never inside web workers (``flask --app app scheduler``; ``app/serve.py`` starts it beside the dev
server). Exactly one leads:

- PostgreSQL: a session-level advisory lock on a dedicated connection. A second scheduler waits on
  it and takes over when the first dies (its connection closes, the lock goes). Each poll checks
  the lock connection is alive; if it is not, this scheduler stops leading and waits again.
- SQLite: an exclusive ``flock`` on ``<database file>.scheduler.lock``; a second one is refused.

Database outages (docs/scheduler.md): no scheduler ever exits because the database is unreachable,
whether at start, while waiting for the lock or while leading. Connecting and campaigning for the
lock are retried with exponential backoff (``scheduler_retry_initial_seconds`` doubling up to
``scheduler_retry_max_seconds``, settings extra, default 0.5 s → 30 s), one log line per failed
attempt; a leader whose lock connection breaks stops its jobs and campaigns again. A job that
fails because of the outage is simply run again at its next tick: a timer's firing is one
transaction, so it either happened (and its timer row is gone) or it did not.

Firing is safe even if two schedulers overlap (e.g. during a takeover): each instance is fired in
its own transaction with the instance row locked, and the due timers are re-read under that lock,
so a timer fires once (``services.timers.fire_timers``).

Jobs (explicit ids): ``fire-timers`` every ``scheduler_poll_seconds`` (first run at start, so
timers that fell due while no scheduler ran fire at once), ``wake-up`` a one-off job at the next
due time when it comes before the next poll (low latency), ``reminders`` every
``reminder_poll_seconds`` (settings extra, default 60 s), which also sends the e-mails still due
(``notifications/mail.py``: first tries left behind, retries after a failure).
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Connection, exc, text

from processes.clock import MovableClock
from processes.runtime import Runtime
from processes.services.clock import continue_move, sync_clock
from processes.services.timers import fire_batch, next_due

log = logging.getLogger("scheduler")
ADVISORY_KEY = 7_150_116
WAKE_EPSILON = timedelta(milliseconds=5)  # timers fire strictly after their due instant


class SchedulerBusy(Exception):
    """Another scheduler leads (SQLite: refused; PostgreSQL with wait=False)."""


class LeadershipLost(Exception):
    """The PostgreSQL connection holding the advisory lock broke."""


# What an unreachable or restarting database raises: through SQLAlchemy (OperationalError,
# InterfaceError, a disconnect detected by pre-ping), from the driver directly, or as a socket error.
try:  # pragma: no cover - psycopg is a dependency, but keep the scheduler importable without it
    import psycopg

    _DRIVER_ERRORS: tuple[type[BaseException], ...] = (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover
    _DRIVER_ERRORS = ()

DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.PendingRollbackError, ConnectionError,
    TimeoutError, *_DRIVER_ERRORS,
)


def is_database_unavailable(error: BaseException) -> bool:
    """True for errors meaning "the database cannot be reached right now" (retry later)."""
    if isinstance(error, DATABASE_UNAVAILABLE):
        return True
    return isinstance(error, exc.DBAPIError) and bool(error.connection_invalidated)


def describe(error: BaseException) -> str:
    """The first line of an error, for a one-line log entry."""
    text_ = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text_[0] if text_ else ''}"


class Backoff:
    """Exponential backoff: ``initial`` seconds, doubled after each failure up to ``maximum``, with
    ±20 % jitter so that several schedulers do not reconnect in step."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0) -> None:
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.failures = 0

    def next_delay(self) -> float:
        self.failures += 1
        delay = min(self.initial * 2 ** (self.failures - 1), self.maximum)
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> int:
        """Start again from ``initial``; returns how many failures there were."""
        failures, self.failures = self.failures, 0
        return failures


def lock_path(rt: Runtime) -> Path:
    """SQLite: the lock file sits beside the database file, so every process using it agrees."""
    db = rt.db.url.database
    if db and db != ":memory:":
        return Path(db + ".scheduler.lock")
    return Path(rt.settings.instance_path) / "scheduler.lock"


def _discard(conn: Connection | None) -> None:
    """Really close a lock connection: the lock belongs to the database session. (A plain close()
    would return it to the pool still holding the lock, and no other scheduler could take over.)"""
    if conn is None:
        return
    try:
        conn.invalidate()
    except Exception:  # noqa: BLE001 - the connection may already be dead
        log.debug("closing the lock connection failed", exc_info=True)
    finally:
        try:
            conn.close()
        except Exception:  # noqa: BLE001
            log.debug("closing the lock connection failed", exc_info=True)


def _pause(seconds: float, stop: threading.Event | None) -> bool:
    """Wait ``seconds``; True if ``stop`` was set meanwhile."""
    if stop is not None:
        return stop.wait(seconds)
    time.sleep(seconds)
    return False


def campaign(rt: Runtime, wait: bool = True, poll: float = 1.0, stop: threading.Event | None = None,
             backoff: Backoff | None = None, name: str = "scheduler") -> Connection:
    """Connect and take the PostgreSQL advisory lock; returns the connection holding it.

    Waits while another scheduler holds the lock (``wait``; else SchedulerBusy). While the database
    is unreachable - at start, or when it goes away during the campaign - retries with
    exponential backoff, logging one line per failed attempt; it never gives up. Raises
    SchedulerBusy if ``stop`` is set meanwhile.
    """
    backoff = backoff or Backoff()
    announced = False
    while True:
        conn: Connection | None = None
        try:
            conn = rt.db.connect()
            while True:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
                conn.commit()
                failures = backoff.reset()
                if failures:
                    log.warning("%s: database reachable again after %d failed attempt(s)", name, failures)
                if got:
                    log.info("%s: scheduler lock acquired (PostgreSQL advisory lock %s)", name, ADVISORY_KEY)
                    return conn
                if not wait:
                    raise SchedulerBusy("another scheduler holds the lock")
                if not announced:
                    log.info("%s: another scheduler is active; waiting to take over", name)
                    announced = True
                if _pause(poll, stop):
                    raise SchedulerBusy("stopped while waiting for the lock")
        except BaseException as error:
            _discard(conn)
            if not is_database_unavailable(error):
                raise
            delay = backoff.next_delay()
            log.warning("%s: database unavailable (attempt %d): %s; retrying in %.1f s", name,
                        backoff.failures, describe(error), delay)
            if _pause(delay, stop):
                raise SchedulerBusy("stopped while waiting for the database") from None


@contextmanager
def leadership(rt: Runtime, wait: bool = True, poll: float = 1.0, stop: threading.Event | None = None,
               backoff: Backoff | None = None, name: str = "scheduler") -> Iterator[Connection | None]:
    """Hold the scheduler lock for the ``with`` block; yields the PostgreSQL lock connection."""
    if rt.db.dialect.name == "postgresql":
        conn = campaign(rt, wait=wait, poll=poll, stop=stop, backoff=backoff, name=name)
        try:
            yield conn
        finally:
            _discard(conn)
        return
    path = lock_path(rt)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SchedulerBusy(f"another scheduler is running (SQLite allows one; lock {path})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield None
    finally:
        fh.close()


WATCH_SECONDS = 0.5  # how often the scheduler looks for timers saved since its last poll
BATCH_SIZE = 100  # instances fired per poll at most (one transaction each)
BATCH_SECONDS = 5.0  # and time spent per poll at most; the scheduler polls again at once if more is due


def poll_batch(rt: Runtime) -> tuple[int, bool]:
    """One bounded step: the clock move in progress (if any), then a batch of what is due now.
    Returns (instances woken, whether more is due)."""
    sync_clock(rt.uow(), force=True)
    deadline = time.monotonic() + BATCH_SECONDS
    move = continue_move(rt.uow(), budget_s=BATCH_SECONDS)
    if not move.done:
        return move.fired_now, True
    batch = fire_batch(rt.uow(), max_instances=BATCH_SIZE, deadline=deadline)
    return move.fired_now + batch.fired, batch.more


def poll_once(rt: Runtime) -> int:
    """Fire everything due now, batch after batch (one transaction per instance). Returns instances woken."""
    total = 0
    while True:
        n, more = poll_batch(rt)
        total += n
        if not more:
            return total


def real_time_of(rt: Runtime, due: datetime) -> datetime | None:
    """The wall-clock instant at which ``due`` (on the application clock) arrives; None if the
    clock is frozen (it never arrives by waiting)."""
    clock = rt.clock
    if isinstance(clock, MovableClock):
        frozen, offset = clock.state
        if frozen is not None:
            return None
        return due - offset
    return due


class Scheduler:
    """One scheduler: ``run()`` blocks (leadership, then APScheduler) until ``stop()``."""

    def __init__(self, rt: Runtime, poll_seconds: float | None = None, reminder_seconds: float | None = None,
                 name: str = "scheduler") -> None:
        self.rt = rt
        self.poll_seconds = float(poll_seconds or rt.settings.scheduler_poll_seconds)
        self.reminder_seconds = float(reminder_seconds or rt.settings.extra.get("reminder_poll_seconds", 60))
        self.name = name
        self.fired = 0  # instances woken by this scheduler (tests, benchmark)
        self.leading = threading.Event()
        self._stop = threading.Event()
        self._sched: BlockingScheduler | None = None
        self._poll_lock = threading.Lock()
        self._lock_conn: Connection | None = None
        self.lost = False
        self.stepped_down = 0
        self.rejoin_delay = 3.0
        self._last_daily: object = None
        extra = rt.settings.extra
        self.backoff = Backoff(float(extra.get("scheduler_retry_initial_seconds", 0.5)),
                               float(extra.get("scheduler_retry_max_seconds", 30.0)))

    # -- jobs --------------------------------------------------------------------------------
    def _check_leadership(self) -> None:
        if self._lock_conn is None:
            return
        try:
            self._lock_conn.execute(text("SELECT 1")).scalar()
            self._lock_conn.commit()
        except Exception as error:  # noqa: BLE001
            raise LeadershipLost(describe(error)) from error

    def _job_failed(self, job: str, error: Exception) -> None:
        """A job failed: one line if the database is unreachable (the job runs again at its next
        tick), a traceback otherwise."""
        if is_database_unavailable(error):
            log.warning("%s: %s failed, database unavailable: %s; retrying at the next tick", self.name, job,
                        describe(error))
        else:
            log.error("%s: %s failed", self.name, job, exc_info=error)

    def poll(self) -> int:
        with self._poll_lock:
            if self.lost:
                return 0
            try:
                self._check_leadership()
            except LeadershipLost as lost:
                log.error("%s: lost the scheduler lock (%s); stepping down", self.name, lost)
                self.lost = True
                self._shutdown()
                return 0
            try:
                n, more = poll_batch(self.rt)
            except Exception as error:  # noqa: BLE001 - keep polling; the failure is in the log
                self._job_failed("timer poll", error)
                return 0
            self.fired += n
            if n:
                log.info("%s: fired timers on %d instances", self.name, n)
            if more:  # a backlog or a clock move: the next batch at once (a job of its own each time)
                self._wake_at(datetime.now(UTC))
            else:
                self._schedule_wake_up()
            return n

    def _schedule_wake_up(self) -> None:
        sched = self._sched
        if sched is None:
            return
        try:
            due = next_due(self.rt.uow(), not_before=self.rt.now())
        except Exception as error:  # noqa: BLE001
            self._job_failed("next_due", error)
            return
        if due is None:
            return
        at = real_time_of(self.rt, due)
        if at is None:
            return
        at = at + WAKE_EPSILON
        if at - datetime.now(UTC) >= timedelta(seconds=self.poll_seconds):
            return  # the regular poll comes first
        self._wake_at(at)

    def _watch_timers(self) -> None:
        """Every ``WATCH_SECONDS``: a timer saved by a web request since the last poll (a short one may
        fall due before the next poll) gets its own wake-up, so it fires within about this interval
        instead of up to ``scheduler_poll_seconds`` late. One indexed query."""
        if self.lost or self._sched is None:
            return
        try:
            due = next_due(self.rt.uow())
        except Exception:  # noqa: BLE001 - the next poll tries again
            log.debug("%s: watching timers failed", self.name, exc_info=True)
            return
        if due is None:
            return
        at = real_time_of(self.rt, due)
        if at is None:
            return
        now = datetime.now(UTC)
        at = max(at + WAKE_EPSILON, now)
        if at - now < timedelta(seconds=self.poll_seconds):
            self._wake_at(at)

    def _wake_at(self, at: datetime) -> None:
        sched = self._sched
        if sched is None:
            return
        try:
            sched.add_job(self.poll, "date", run_date=at, id="wake-up", replace_existing=True,
                          misfire_grace_time=None)
        except Exception:  # noqa: BLE001 - shutting down
            log.debug("could not schedule wake-up", exc_info=True)

    def remind(self) -> int:
        from processes.notifications.mail import retry_due as retry_mail
        from processes.reminders import run_reminders

        with self._poll_lock:
            if self.lost:
                return 0
            try:
                return run_reminders(self.rt.uow())
            except Exception as error:  # noqa: BLE001
                self._job_failed("reminders", error)
                return 0
            finally:
                retry_mail(self.rt)  # e-mails not sent yet or failed earlier (never raises)

    def daily(self) -> dict | None:
        """Supervision jobs (Art. 15, 17, 19-21: rounds, expiry, quarterly reports, chasing) once per
        (demo) day: at the first poll of each new date, so moving the demo clock runs them at once."""
        from processes.clock import CST
        from processes.supervision.services import run_supervision_jobs

        with self._poll_lock:
            if self.lost:
                return None
            day = self.rt.now().astimezone(CST).date()
            if day == self._last_daily:
                return None
            try:
                result = run_supervision_jobs(self.rt)
            except Exception as error:  # noqa: BLE001 - keep the scheduler alive; retried at the next tick
                self._job_failed("supervision jobs", error)
                return None
            self._last_daily = day
            return result

    # -- life cycle ----------------------------------------------------------------------------
    def run(self, wait: bool = True) -> None:
        """Lead until stopped. Raises SchedulerBusy when another leads and ``wait`` is False.

        Never returns because the database is unreachable: it waits for it (with backoff) and
        campaigns for the lock again whenever it lost it."""
        while not self._stop.is_set():
            self.lost = False
            try:
                with leadership(self.rt, wait=wait, stop=self._stop, backoff=self.backoff, name=self.name) as conn:
                    self._lock_conn = conn
                    if self._stop.is_set():
                        return
                    try:
                        self._run_jobs()
                    finally:
                        self._lock_conn = None
            except SchedulerBusy:
                if self._stop.is_set():
                    return  # stopped while waiting for the lock or the database
                raise
            if not self.lost:
                return
            self.stepped_down += 1
            # the database failed us: give a healthy scheduler the first chance to take over
            log.warning("%s: stepped down; campaigning for the lock again in %.0f s", self.name,
                        self.rejoin_delay)
            if self._stop.wait(self.rejoin_delay):
                return

    def _run_jobs(self) -> None:
        sched = BlockingScheduler(timezone=UTC)
        self._sched = sched
        now = datetime.now(UTC)
        sched.add_job(self.poll, "interval", seconds=self.poll_seconds, id="fire-timers", max_instances=1,
                      coalesce=True, next_run_time=now, misfire_grace_time=None)
        sched.add_job(self.remind, "interval", seconds=self.reminder_seconds, id="reminders", max_instances=1,
                      coalesce=True, next_run_time=now + timedelta(seconds=1), misfire_grace_time=None)
        sched.add_job(self.daily, "interval", seconds=self.poll_seconds, id="supervision-daily", max_instances=1,
                      coalesce=True, next_run_time=now + timedelta(seconds=2), misfire_grace_time=None)
        sched.add_job(self._watch_stop, "interval", seconds=0.25, id="watch-stop", max_instances=1, coalesce=True)
        sched.add_job(self._watch_timers, "interval", seconds=WATCH_SECONDS, id="watch-timers", max_instances=1,
                      coalesce=True)
        self.leading.set()
        log.info("%s started (poll every %ss, reminders every %ss)", self.name, self.poll_seconds,
                 self.reminder_seconds)
        try:
            if self._stop.is_set():
                return
            sched.start()
        finally:
            self.leading.clear()
            self._sched = None

    def _watch_stop(self) -> None:
        if self._stop.is_set():
            self._shutdown()

    def _shutdown(self) -> None:
        sched = self._sched
        if sched is not None and sched.running:
            threading.Thread(target=lambda: sched.shutdown(wait=False), daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self._shutdown()


def run_scheduler(rt: Runtime, wait: bool = True) -> None:
    """Entry point of ``flask --app app scheduler``: blocks until SIGTERM / Ctrl-C."""
    if "gunicorn" in sys.modules:
        raise RuntimeError("the scheduler must not run inside a web worker; run `flask --app app scheduler`")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not every 0.25 s job run
    logging.getLogger("spiff").setLevel(logging.WARNING)  # not every task state change
    scheduler = Scheduler(rt, name=f"scheduler[{socket.gethostname()}:{os.getpid()}]")

    def _term(*_: Any) -> None:
        log.info("stopping")
        scheduler.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _term)
    try:
        scheduler.run(wait=wait)
    except SchedulerBusy as exc:
        raise SystemExit(f"scheduler not started: {exc}") from None
    except KeyboardInterrupt:
        scheduler.stop()
