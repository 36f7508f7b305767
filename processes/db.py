"""Database engine and the unit of work: one use case = one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is broken).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A write transaction from the start: two writers serialize instead of one failing
            # on lock upgrade. This is SQLite's equivalent of SELECT ... FOR UPDATE (ARCHITECTURE §3).
            # Read-only units of work (lists, views, authentication) take no write lock.
            readonly = conn.get_execution_options().get("readonly_uow")
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class UnitOfWork:
    """``with uow:`` opens a session; only ``uow.commit()`` makes changes durable.

    Leaving the block without commit rolls back, so a failure leaves the old state, never half.
    """

    def __init__(self, session_factory: sessionmaker[Session], runtime: Any, readonly: bool = False,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.session_factory = session_factory
        self.runtime = runtime  # processes.runtime.Runtime: engine, clock, settings
        self.readonly = readonly
        self.on_commit = on_commit  # e.g. the web request drops its read snapshot after a write
        self.session: Session | None = None
        self._depth = 0
        self._held = 0

    @property
    def s(self) -> Session:
        if self.session is None:
            raise RuntimeError("unit of work used outside 'with uow:'")
        return self.session

    @property
    def is_postgres(self) -> bool:
        bind = self.session_factory.kw.get("bind")
        return bool(bind is not None and bind.dialect.name == "postgresql")

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            self.session = self.session_factory()
            if self.readonly:
                self.session.connection(execution_options={"readonly_uow": True})
        self._depth += 1
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._depth -= 1
        if self._depth == 0 and self.session is not None:
            try:
                # detach first: objects returned by the use case keep their loaded state
                self.session.expunge_all()
                self.session.rollback()
            finally:
                self.session.close()
                self.session = None

    @contextmanager
    def holding_commits(self) -> Iterator[UnitOfWork]:
        """Use cases called inside only flush where they would commit: the caller composes them into
        its own single transaction and commits once after the block (or nothing, if one fails)."""
        with self:
            self._held += 1
            try:
                yield self
            finally:
                self._held -= 1

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._held:
            self.s.flush()
            return
        self.s.commit()
        if self.on_commit is not None:
            self.on_commit()

    def rollback(self) -> None:
        self.s.rollback()
