from __future__ import annotations

from collections.abc import Iterator

import pytest

from processes.calendar import functions as calfn


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    """Tables are cleaned between tests: forget the database years cached in this process."""
    calfn.reset()
    yield
    calfn.reset()
