"""Pages: log in / out and the home page with the user's open tasks."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import SessionUser, uow
from app.web import bp
from processes import queries
from processes.errors import Unauthorized
from processes.services import users

ROLE_NAMES = {"applicant": "申报单位", "county_officer": "县级主管部门", "municipal_reviewer": "市局审核员",
              "expert": "评审专家", "process_owner": "流程管理员", "admin": "系统管理员"}


@bp.app_context_processor
def _globals():  # type: ignore[no-untyped-def]
    return {"ROLE_NAMES": ROLE_NAMES}


@bp.get("/login")
def login():
    return render_template("login.html", error=None, username="")


@bp.post("/login")
def login_post():
    username = request.form.get("username", "").strip()
    try:
        user = users.authenticate(uow(), username, request.form.get("password", ""))
    except Unauthorized:
        return render_template("login.html", error="用户名或密码错误", username=username), 401
    login_user(SessionUser(user))
    nxt = request.args.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("web.home"))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/")
@login_required
def home():
    user = current_user.user
    tasks = queries.list_tasks(uow(), user)
    return render_template("home.html", user=user, tasks=tasks)
