"""A page request opens one read-only unit of work for all its reads, plus one write transaction
when it acts (docs/ARCHITECTURE.md: on SQLite every write unit of work takes the write lock)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from processes.db import UnitOfWork
from tests.support.flows import collab_at_county_review
from tests.support.pages import PageClient


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts units of work opened (outermost ``with``), by kind."""
    counts: Counter[str] = Counter()
    enter = UnitOfWork.__enter__

    def counting_enter(self: UnitOfWork) -> Any:
        if self._depth == 0:
            counts["read" if self.readonly else "write"] += 1
        return enter(self)

    monkeypatch.setattr(UnitOfWork, "__enter__", counting_enter)
    return counts


def test_task_page_reads_in_one_unit_of_work(app, runtime, opened):
    flow = collab_at_county_review(runtime)
    flow.claim("county-dongchangfu", "county_review")
    tid = flow.task_id("county_review")
    b = PageClient(app, "county-dongchangfu")
    opened.clear()
    assert b.get(f"/tasks/{tid}").status_code == 200
    assert opened == Counter(read=1)
    opened.clear()
    assert b.get("/").status_code == 200
    assert b.get("/tasks/mine").status_code == 200
    assert opened == Counter(read=2)


def test_acting_adds_one_write_transaction(app, runtime, opened):
    flow = collab_at_county_review(runtime)
    tid = flow.task_id("county_review")
    b = PageClient(app, "county-dongchangfu")
    b.get("/")  # log in, take the CSRF token
    opened.clear()
    assert b.post(f"/tasks/{tid}/claim", {}).status_code == 302
    # the logged-in user comes from the process's cache (services.users.cached_user): no read at all
    assert opened["write"] == 1 and opened["read"] <= 1, opened
