"""Operator commands: ``flask --app app <command>``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from app.cli_calendar import register_calendar_cli
from app.extensions import runtime as rt
from app.security import production_checks
from processes import audit
from processes.clock import CST
from processes.errors import DomainError, Invalid
from processes.migrate import upgrade
from processes.models import ProcessInstance
from processes.scheduler import run_scheduler
from processes.seed import seed_all
from processes.services import clock as clock_svc
from processes.services import deploy as deploy_svc
from processes.services.clock import sync_clock
from processes.services.core import SYSTEM
from processes.services.timers import fire_due
from processes.services.users import remove_demo_users


def register_cli(app: Flask) -> None:
    register_calendar_cli(app)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema (Alembic)."""
        upgrade(rt().db)
        click.echo("database at head")

    @app.cli.command("seed")
    def seed() -> None:
        """Migrate, deploy bpmn-diagrams/, and (demo config) load demo users and data. Idempotent."""
        for line in seed_all(rt()):
            click.echo(line)

    @app.cli.command("deploy")
    @click.argument("paths", nargs=-1, type=click.Path(exists=True))
    def deploy(paths: tuple[str, ...]) -> None:
        """Deploy .bpmn/.dmn files or folders (default: bpmn-diagrams/)."""
        targets = [Path(p) for p in paths] or [Path(rt().settings.diagrams_dir)]
        failed = False
        for target in targets:
            try:
                if target.is_dir():
                    results = deploy_svc.deploy_directory(rt().uow(), SYSTEM, target)
                else:
                    results = deploy_svc.deploy_file(rt().uow(), SYSTEM, target.name,
                                                     target.read_text(encoding="utf-8"))
            except Invalid as exc:
                failed = True
                click.echo(f"{target}: {exc.message}", err=True)
                for e in exc.errors:
                    click.echo(f"  line {e.get('line')} element {e.get('element_id')}: {e.get('message')}", err=True)
                continue
            for r in results:
                click.echo(f"{r.kind} {r.key} v{r.version} {'deployed' if r.created else 'unchanged'}")
        if failed:
            sys.exit(1)

    @app.cli.command("instances")
    @click.option("--state", default=None)
    @click.option("--process-key", default=None)
    def instances_cmd(state: str | None, process_key: str | None) -> None:
        """List process instances."""
        uow = rt().uow()
        with uow:
            stmt = select(ProcessInstance).order_by(ProcessInstance.id)
            if state:
                stmt = stmt.where(ProcessInstance.state == state)
            if process_key:
                stmt = stmt.where(ProcessInstance.process_key == process_key)
            for i in uow.s.scalars(stmt):
                click.echo(f"{i.id}\t{i.process_key}\t{i.business_key}\t{i.state}\t{','.join(i.active_elements)}")

    @app.cli.command("verify-audit")
    def verify_audit() -> None:
        """Recompute the audit hash chains; exit 1 if any entry was edited or removed."""
        uow = rt().uow()
        with uow:
            count, problems = audit.verify(uow.s)
        for p in problems:
            click.echo(p.message)
        click.echo(f"{count} entries checked, {len(problems)} problems")
        if problems:
            sys.exit(1)

    @app.cli.command("clock")
    @click.option("--set", "set_to", default=None, help="ISO date-time (demo clock only)")
    @click.option("--advance", default=None, help="ISO-8601 duration, e.g. P5D (demo clock only)")
    def clock_cmd(set_to: str | None, advance: str | None) -> None:
        """Show the clock, or move it (demo/test config only)."""
        sync_clock(rt().uow())
        try:
            if set_to:
                target = datetime.fromisoformat(set_to)
                clock_svc.set_clock(rt().uow(), SYSTEM, target if target.tzinfo else target.replace(tzinfo=CST))
            elif advance:
                clock_svc.advance_clock(rt().uow(), SYSTEM, clock_svc.parse_duration(advance))
        except DomainError as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)
        click.echo(json.dumps({"now": rt().now().isoformat(), "movable": rt().clock.movable}))

    @app.cli.command("fire-timers")
    def fire_timers_cmd() -> None:
        """Fire every timer that is due now (what the scheduler does on each poll)."""
        click.echo(f"{fire_due(rt().uow()).fired} instances woken")

    @app.cli.command("scheduler")
    def scheduler_cmd() -> None:
        """Run the scheduler process (timers, reminders). One per deployment."""
        if rt().settings.env == "production":
            production_checks(rt())
        run_scheduler(rt())

    @app.cli.command("remove-demo-users")
    def remove_demo_users_cmd() -> None:
        """Remove the demo users that still have the demo password (production refuses to start with them):
        deleted, or deactivated with an unusable password when they took part in a case."""
        result = remove_demo_users(rt().uow(), SYSTEM, rt().settings.config_dir)
        click.echo(f"deleted: {', '.join(result['deleted']) or '-'}")
        click.echo(f"deactivated: {', '.join(result['deactivated']) or '-'}")
