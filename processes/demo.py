"""Demo data (development config only). Each step checks first, so a second run adds nothing."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from processes.runtime import Runtime

# each area offers `load_demo(rt) -> Iterator[str]` in processes.<area>.demo
AREAS = ("recognition", "supervision")


def load_demo_data(rt: Runtime) -> Iterator[str]:
    for area in AREAS:
        try:
            mod = importlib.import_module(f"processes.{area}.demo")
        except ModuleNotFoundError as exc:
            if exc.name in (f"processes.{area}.demo", f"processes.{area}"):
                continue
            raise
        yield from mod.load_demo(rt)
