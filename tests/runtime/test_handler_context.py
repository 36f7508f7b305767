"""Handlers see Beijing dates: 2026-12-31 17:00 UTC is already 2027-01-01 in Liaocheng."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.registry import HandlerContext


def test_today_is_the_beijing_date():
    assert HandlerContext(now=datetime(2026, 12, 31, 17, 0, tzinfo=UTC)).today == date(2027, 1, 1)
    assert HandlerContext(now=datetime(2026, 12, 31, 15, 59, tzinfo=UTC)).today == date(2026, 12, 31)
