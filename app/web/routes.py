"""Pages: log in / out, the language switch and the home page (what waits for the user)."""

from __future__ import annotations

from functools import cache

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import SessionUser, runtime, uow
from app.i18n import COOKIE, LANGUAGES
from app.web import bp
from processes.collab import services as collab
from processes.errors import Unauthorized
from processes.services import users

ROLE_NAMES = {"applicant": "申报单位", "county_officer": "县级主管部门", "municipal_reviewer": "市局审核员",
              "expert": "评审专家", "process_owner": "流程管理员", "admin": "系统管理员"}
# the one vocabulary of instance states shown on every page (staff and admin)
STATE_NAMES = {"running": "办理中", "waiting": "等待中", "completed": "已完成", "suspended": "已挂起",
               "incident": "故障", "terminated": "已终止"}
DECISION_NAMES = {"approve": "同意", "approved": "同意", "decline": "不同意", "reject": "不同意",
                  "rejected": "不同意", "return": "退回补正", "upheld": "异议成立", "dismissed": "异议不成立"}


@cache
def _county_names(config_dir: str) -> dict[str, str]:
    return {c["code"]: c["name"] for c in users.counties(config_dir)}


def county_names() -> dict[str, str]:
    return _county_names(runtime().settings.config_dir)


@bp.app_context_processor
def _globals():  # type: ignore[no-untyped-def]
    bell = None
    if current_user.is_authenticated:
        bell = collab.unread_count(uow(), current_user.user.id)
    return {"ROLE_NAMES": ROLE_NAMES, "STATE_NAMES": STATE_NAMES, "DECISION_NAMES": DECISION_NAMES,
            "COUNTY_NAMES": county_names(), "unread_notifications": bell}


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    return render_template("login.html", error=None, username="")


@bp.post("/login")
def login_post():
    username = request.form.get("username", "").strip()
    try:
        user = users.authenticate(uow(), username, request.form.get("password", ""))
    except Unauthorized:
        return render_template("login.html", error=_("用户名或密码错误"), username=username), 401
    login_user(SessionUser(user))
    nxt = request.args.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("web.home"))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    nxt = request.args.get("next", "")
    resp = make_response(redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("web.home")))
    if code in LANGUAGES:
        resp.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
    return resp


@bp.get("/")
@login_required
def home():
    user = current_user.user
    counts = collab.counts(uow(), user)
    mine = collab.list_tasks(uow(), user, "mine", collab.ListQuery(per_page=10))
    claimable = collab.list_tasks(uow(), user, "claimable", collab.ListQuery(per_page=5))
    return render_template("home.html", user=user, counts=counts, mine=mine, claimable=claimable)


@bp.app_template_filter("local_time")
def local_time(value: object) -> str:
    """An ISO instant (or datetime) as Beijing time, ``YYYY-MM-DD HH:MM``: what staff read."""
    from datetime import datetime

    from processes.clock import CST

    if value in (None, ""):
        return "—"
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%d %H:%M")
    return dt.astimezone(CST).strftime("%Y-%m-%d %H:%M")
