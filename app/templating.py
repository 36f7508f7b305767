"""What every page's template may use: names for codes (roles, states, decisions, counties),
the unread-notification count of the bell, permission checks, and the time filter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, send_from_directory
from flask_babel import gettext
from flask_login import current_user

from app.extensions import ro_uow, runtime
from app.i18n import select_locale
from processes.access import Permission, allowed
from processes.clock import CST
from processes.notifications import services as notifications
from processes.services import users
from processes.vocabulary import N_, ROLE_NAMES, STATE_NAMES

STATIC = Path(__file__).resolve().parent / "static"
DECISION_NAMES = {"approve": N_("同意"), "approved": N_("同意"), "decline": N_("不同意"), "reject": N_("不同意"),
                  "rejected": N_("不同意"), "return": N_("退回补正"), "upheld": N_("异议成立"),
                  "dismissed": N_("异议不成立")}


@cache
def _county_names(config_dir: str, lang: str) -> dict[str, str]:
    key = "name_en" if lang == "en" else "name"
    return {c["code"]: c.get(key) or c["name"] for c in users.counties(config_dir)}


def county_names() -> dict[str, str]:
    """County code → name in the reader's language (``config/counties.toml``: ``name``, ``name_en``)."""
    return _county_names(runtime().settings.config_dir, select_locale() if has_request_context() else "zh_CN")


def in_language(names: Mapping[str, str]) -> Mapping[str, str]:
    """A code → Chinese name table in the reader's language (names marked with ``N_`` are in the
    catalogue): roles, states, statuses, decisions, audit actions."""
    if not has_request_context() or select_locale() != "en":
        return names
    return {k: gettext(v) for k, v in names.items()}


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


def local_date(value: object) -> str:
    """An ISO instant (or datetime) as its Beijing date ``YYYY-MM-DD``; a plain date stays as it is."""
    text = local_time(value)
    return text[:10] if text != "—" else text


def quarter_name(key: object) -> str:
    """``2026Q3`` → 2026年第3季度 (in the reader's language)."""
    text = str(key or "")
    year, _, q = text.partition("Q")
    if not (year.isdigit() and q.isdigit()):
        return text
    return gettext("%(year)s年第%(q)s季度", year=year, q=q) if has_request_context() else f"{year}年第{q}季度"


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _globals() -> dict[str, Any]:
        bell = None
        if current_user.is_authenticated:
            bell = notifications.unread_count(ro_uow(), current_user.user.id)
        return {"ROLE_NAMES": in_language(ROLE_NAMES), "STATE_NAMES": in_language(STATE_NAMES),
                "DECISION_NAMES": in_language(DECISION_NAMES), "COUNTY_NAMES": county_names(),
                "unread_notifications": bell, "can": can}

    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(quarter_name, "quarter")

    @app.route("/favicon.ico", methods=["GET"])  # not part of the API document
    def favicon() -> Any:
        """Browsers ask every page for it: the site icon, never a 404."""
        return send_from_directory(STATIC, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
