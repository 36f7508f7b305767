from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from processes.calendar import functions as calfn

HERE = Path(__file__).resolve().parent
CAL_2027 = HERE / "2027.test.toml"
PUBLICITY_BPMN = HERE / "publicity.bpmn"


@pytest.fixture(autouse=True)
def fresh_calendar() -> Iterator[None]:
    """Tables are cleaned between tests: forget the database years cached in this process.
    (Imported by each test module: tests/calendar has no conftest, its name clashes with the
    standard library's ``calendar`` as a package.)"""
    calfn.reset()
    yield
    calfn.reset()

PUBLICITY_VAR_BPMN = HERE / "publicity_var.bpmn"
