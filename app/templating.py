"""What every page's template may use: names for codes (roles, states, decisions, counties),
the unread-notification count of the bell, permission checks, and the time filter."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from flask import Flask
from flask_login import current_user

from app.extensions import ro_uow, runtime
from processes.access import Permission, allowed
from processes.clock import CST
from processes.notifications import services as notifications
from processes.services import users
from processes.vocabulary import ROLE_NAMES, STATE_NAMES

DECISION_NAMES = {"approve": "同意", "approved": "同意", "decline": "不同意", "reject": "不同意",
                  "rejected": "不同意", "return": "退回补正", "upheld": "异议成立", "dismissed": "异议不成立"}


@cache
def _county_names(config_dir: str) -> dict[str, str]:
    return {c["code"]: c["name"] for c in users.counties(config_dir)}


def county_names() -> dict[str, str]:
    return _county_names(runtime().settings.config_dir)


def can(permission: str) -> bool:
    """In templates: ``can('monitor_instances')`` — the same rule the use case enforces."""
    return current_user.is_authenticated and allowed(current_user.user, Permission(permission))


def local_time(value: object) -> str:
    """An ISO instant (or datetime) as Beijing time, ``YYYY-MM-DD HH:MM``: what staff read."""
    if value in (None, ""):
        return "—"
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%d %H:%M")
    return dt.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _globals() -> dict[str, Any]:
        bell = None
        if current_user.is_authenticated:
            bell = notifications.unread_count(ro_uow(), current_user.user.id)
        return {"ROLE_NAMES": ROLE_NAMES, "STATE_NAMES": STATE_NAMES, "DECISION_NAMES": DECISION_NAMES,
                "COUNTY_NAMES": county_names(), "unread_notifications": bell, "can": can}

    app.add_template_filter(local_time, "local_time")
