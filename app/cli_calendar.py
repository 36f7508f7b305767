"""``flask --app app calendar …``: the working-day calendar for operators and checks."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask

from app.extensions import runtime
from processes.calendar import functions as calfn
from processes.calendar import services as calendar_svc
from processes.errors import DomainError
from processes.services.core import Actor
from processes.vocabulary import Role


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def register_calendar_cli(app: Flask) -> None:
    @app.cli.group("calendar")
    def calendar() -> None:
        """Working-day calendar: count working days, load a year's official schedule."""

    def _date(value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            _fail(f"not a date: {value!r} (expected YYYY-MM-DD)")
            raise

    def _print(info: dict, shown: str) -> None:
        versions = ", ".join(f"{y}:{v}" for y, v in sorted(info["calendar_versions"].items())) or "-"
        click.echo(f"calendar versions: {versions}")
        if info["provisional"]:
            years = ", ".join(str(y) for y in info["unknown_years"])
            click.echo(f"WARNING: no official calendar loaded for {years}; counted Monday–Friday "
                       f"(load it with: flask --app app calendar load config/holidays/<year>.toml)")
        click.echo(f"{shown}{' provisional' if info['provisional'] else ''}")

    @calendar.command("add-working-days")
    @click.argument("start")
    @click.argument("n", type=int)
    def add_working_days(start: str, n: int) -> None:
        """The date N working days after START (START not counted); last line: DATE [provisional]."""
        calfn.sync_calendar(runtime().uow(), force=True)
        if n < 0:
            _fail("N must be >= 0")
        info = calfn.deadline_info(_date(start), n, rule="add_working_days")
        _print(info, info["date"])

    @calendar.command("end-of-working-day")
    @click.argument("start")
    @click.argument("n", type=int)
    def end_of_working_day(start: str, n: int) -> None:
        """End of the N-th working day counting START as day 1 (Art. 13 publicity); last line: instant."""
        calfn.sync_calendar(runtime().uow(), force=True)
        if n < 1:
            _fail("N must be >= 1")
        info = calfn.deadline_info(_date(start), n)
        _print(info, info["at"])

    @calendar.command("is-working-day")
    @click.argument("day")
    def is_working_day(day: str) -> None:
        """Print yes/no (and 'provisional' for a year with no calendar)."""
        cal = calfn.sync_calendar(runtime().uow(), force=True)
        d = _date(day)
        click.echo(("yes" if cal.is_working_day(d) else "no") + ("" if cal.is_known(d.year) else " provisional"))

    @calendar.command("load")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--by", "by", default="system", help="who loads it (recorded); default: system")
    def load(file: Path, by: str) -> None:
        """Load (or correct) one year's official schedule from a TOML file (config/holidays/README.md)."""
        actor = Actor(None, by, Role.SYSTEM)
        try:
            result = calendar_svc.load_year_file(runtime().uow(), actor, file)
        except DomainError as exc:
            click.echo(exc.message, err=True)
            for e in exc.errors:
                click.echo(f"  line {e.get('line') or '?'}: {e.get('message')}", err=True)
            sys.exit(1)
        changed = [r for r in result.recomputed if r["changed"]]
        for r in result.recomputed:
            click.echo(f"recomputed {r['business_key'] or r['instance_id']} {r['element_id']}: {r['old']} -> "
                       f"{r['new']}{' (provisional)' if r['provisional'] else ''}")
        click.echo(f"loaded {result.year} version {result.version} (previous: {result.previous_version or 'none'}); "
                   f"{len(result.recomputed)} deadlines recomputed, {len(changed)} changed")

    @calendar.command("years")
    def years() -> None:
        """List the years in force and where each came from."""
        for y in calendar_svc.years_overview(runtime().uow()):
            if not y["known"]:
                click.echo(f"{y['year']}\tNOT LOADED (provisional: statutory holidays and weekends)")
                continue
            last = y["loads"][0] if y["loads"] else None
            who = f"\t{last['loaded_by']} {last['loaded_at']}" if last else ""
            click.echo(f"{y['year']}\t{y['version']}\t{y['origin']}\t{y['source']}{who}")

    @calendar.command("provisional")
    def provisional() -> None:
        """List open deadlines counted in a year with no calendar loaded."""
        rows = calendar_svc.provisional_deadlines(runtime().uow())
        for r in rows:
            click.echo(f"{r['business_key'] or r['instance_id']}\t{r['element_id']}\t{r['kind']}\t{r['value']}\t"
                       f"unknown years {','.join(map(str, r['unknown_years']))}")
        click.echo(f"{len(rows)} provisional deadlines")

    @calendar.command("export")
    @click.argument("year", type=int)
    def export(year: int) -> None:
        """Print the schedule of YEAR in force as TOML (edit it and load it back to correct it)."""
        try:
            click.echo(calendar_svc.year_toml(runtime().uow(), year), nl=False)
        except DomainError as exc:
            _fail(exc.message)
