"""Demo data (development config only). Each step checks first, so a second run adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from processes.recognition import demo as recognition_demo
from processes.runtime import Runtime
from processes.supervision import demo as supervision_demo


def load_demo_data(rt: Runtime) -> Iterator[str]:
    yield from recognition_demo.load_demo(rt)
    yield from supervision_demo.load_demo(rt)
