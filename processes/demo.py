"""Demo data (development config only). Each step checks first, so a second run adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from processes.runtime import Runtime


def load_demo_data(rt: Runtime) -> Iterator[str]:
    yield "demo data: up to date"
