"""The registry of service-task handlers, looked up by name.

A BPMN service task names its handler with ``camunda:topic`` (Camunda Modeler:
Implementation = External, Topic = handler name). At deploy time an unknown name is an
error; at run time the engine calls ``fn(data, ctx)`` and merges the returned mapping
into the task data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

_BEIJING = timezone(timedelta(hours=8), "CST")


class Lookups(Protocol):
    """Read-only facts a handler may ask for; implemented by the runtime (processes)."""

    def query(self, name: str, **params: Any) -> Any: ...


class _NoLookups:
    def query(self, name: str, **params: Any) -> Any:
        raise LookupError(f"no lookup '{name}' is available here")


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may know besides the task data: the (injected) time and lookups."""

    now: datetime
    business_key: str | None = None
    instance_id: int | None = None
    lookups: Lookups = field(default_factory=_NoLookups)
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        """Today's date in Beijing (UTC+8): the measure's dates are local dates."""
        return self.now.astimezone(_BEIJING).date()


Handler = Callable[[Mapping[str, Any], HandlerContext], Mapping[str, Any]]

_REGISTRY: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` under ``name``. Names are unique."""

    def register(fn: Handler) -> Handler:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"handler '{name}' is registered twice")
        _REGISTRY[name] = fn
        return fn

    return register


def get_handler(name: str) -> Handler:
    load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no handler named '{name}'") from None


def handler_names() -> list[str]:
    load_all()
    return sorted(_REGISTRY)


def load_all() -> None:
    """Import every handler module so their @handler decorators run."""
    import importlib
    import pkgutil

    import handlers

    for mod in pkgutil.iter_modules(handlers.__path__):
        if mod.name != "registry" and not mod.name.startswith("_"):
            importlib.import_module(f"handlers.{mod.name}")
