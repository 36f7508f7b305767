"""Read-only facts that handlers may ask for (``ctx.lookups.query(name, **params)``).

Handlers stay pure: they receive this through a protocol; the queries live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from processes.db import UnitOfWork

LOOKUPS: dict[str, Callable[..., Any]] = {}


def lookup(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        LOOKUPS[name] = fn
        return fn

    return register


def run_lookup(uow: UnitOfWork, name: str, **params: Any) -> Any:
    fn = LOOKUPS.get(name)
    if fn is None:
        raise LookupError(f"no lookup named '{name}'")
    return fn(uow, **params)
