"""Protections of the HTTP surface that are no use case's business: what production refuses at
startup, security headers, rate limits, which proxy to believe, NUL bytes in form input."""

from __future__ import annotations

from processes.runtime import Runtime
from processes.services.users import refuse_demo_accounts
from processes.settings import SettingsError


def production_checks(rt: Runtime) -> None:
    """What production refuses at startup besides unsafe settings (``Settings.check``): demo users that
    still have the demo password. Called by the production web app and by the scheduler."""
    try:
        refuse_demo_accounts(rt.uow(), rt.settings.config_dir)
    except SettingsError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
