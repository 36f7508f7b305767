from __future__ import annotations

from collections.abc import Iterator

import pytest

from processes import calendar_service


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    """Tables are cleaned between tests: forget the database years cached in this process."""
    calendar_service.reset()
    yield
    calendar_service.reset()
