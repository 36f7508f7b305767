"""Pages: log in / out, the language switch and the home page (what waits for the user)."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import SessionUser, ro_uow
from app.i18n import COOKIE, LANGUAGES
from processes.errors import Unauthorized
from processes.services import users
from processes.tasks import lists

bp = Blueprint("home", __name__)

@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    return render_template("login.html", error=None, username="")


@bp.post("/login")
def login_post():
    username = request.form.get("username", "").strip()
    try:
        user = users.authenticate(ro_uow(), username, request.form.get("password", ""))
    except Unauthorized:
        return render_template("login.html", error=_("用户名或密码错误"), username=username), 401
    login_user(SessionUser(user))
    nxt = request.args.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("home.home"))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("home.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    nxt = request.args.get("next", "")
    resp = make_response(redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("home.home")))
    if code in LANGUAGES:
        resp.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
    return resp


@bp.get("/")
@login_required
def home():
    user = current_user.user
    counts = lists.counts(ro_uow(), user)
    mine = lists.list_tasks(ro_uow(), user, "mine", lists.ListQuery(per_page=10))
    claimable = lists.list_tasks(ro_uow(), user, "claimable", lists.ListQuery(per_page=5))
    return render_template("home.html", user=user, counts=counts, mine=mine, claimable=claimable)
