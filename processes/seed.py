"""Set-up for the run command: migrate, deploy the diagrams, demo users and data. Idempotent."""

from __future__ import annotations

from collections.abc import Iterator

from processes.demo import load_demo_data
from processes.migrate import upgrade
from processes.runtime import Runtime
from processes.services.core import SYSTEM
from processes.services.deploy import deploy_directory
from processes.services.users import ensure_demo_users


def seed_all(rt: Runtime) -> Iterator[str]:
    upgrade(rt.db)
    yield "database at head"
    if rt.settings.demo_data:
        n = ensure_demo_users(rt.uow(), rt.settings.config_dir)
        yield f"demo users: {n} created"
    for r in deploy_directory(rt.uow(), SYSTEM, rt.settings.diagrams_dir):
        yield f"{r.kind} {r.key} v{r.version} {'deployed' if r.created else 'unchanged'}"
    if rt.settings.demo_data:

        yield from load_demo_data(rt)
