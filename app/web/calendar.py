"""Admin pages of the holiday calendar (years in force, load or correct a year, provisional
deadlines) and the demo clock (time travel; never in production)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, runtime, uow
from processes.access import Permission, require
from processes.admin import views
from processes.calendar import services as calendar_svc
from processes.clock import CST, ClockError
from processes.errors import DomainError, Invalid
from processes.models import User
from processes.services import clock as clock_svc

bp = Blueprint("calendar", __name__)


def _may(permission: Permission) -> User:
    user: User = current_user.user
    require(user, permission)
    return user


def _calendar_page(errors: list[dict[str, Any]] | None = None, text: str = "", status: int = 200) -> Any:
    reads = ro_uow()
    provisional = calendar_svc.provisional_deadlines(reads)
    names = views.step_names(reads, {d["process_key"] for d in provisional})
    for d in provisional:
        d["step"] = names.get(d["process_key"], {}).get(d["element_id"]) or d["element_id"]
    return render_template("calendar/years.html", years=calendar_svc.years_overview(reads), provisional=provisional,
                           unknown_ahead=calendar_svc.unknown_years_ahead(reads), errors=errors or [], text=text,
                           now=runtime().now().astimezone(CST)), status


@bp.get("/admin/calendar")
@login_required
def calendar_years_page():
    _may(Permission.LOAD_CALENDAR)
    return _calendar_page()


@bp.post("/admin/calendar")
@login_required
def calendar_load_page():
    user = _may(Permission.LOAD_CALENDAR)
    f = request.files.get("file")
    text = request.form.get("toml", "")
    if f is not None and f.filename:
        content: str | bytes = f.read()
        source = f.filename
    elif text.strip():
        content, source = text, "网页录入"
    else:
        return _calendar_page([{"field": "file", "line": None, "message": "请选择 TOML 文件或粘贴内容"}], text, 422)
    try:
        result = calendar_svc.load_year(uow(), actor_of(user), content, source)
    except Invalid as exc:
        return _calendar_page(exc.errors or [{"field": "file", "line": None, "message": exc.message}],
                              content if isinstance(content, str) else content.decode("utf-8", "replace"), 422)
    changed = sum(1 for r in result.recomputed if r["changed"])
    flash(gettext("已载入 %(year)s 年节假日安排（版本 %(version)s），重算期限 %(n)s 个，其中 %(changed)s 个发生变化。",
                  year=result.year, version=result.version, n=len(result.recomputed), changed=changed), "ok")
    return redirect(url_for("calendar.calendar_years_page"))


@bp.get("/admin/calendar/<int:year>.toml")
@login_required
def calendar_year_download(year: int):
    _may(Permission.LOAD_CALENDAR)
    return calendar_svc.year_toml(ro_uow(), year), 200, {"Content-Type": "text/plain; charset=utf-8",
                                                      "Content-Disposition": f'attachment; filename="{year}.toml"'}


def _clock_page(error: str | None = None, status: int = 200) -> Any:
    rt = runtime()
    move = clock_svc.move_progress(ro_uow()) if rt.clock.movable else None
    return render_template("calendar/clock.html", now=rt.now().astimezone(CST), movable=rt.clock.movable,
                           error=error, move=move if move is not None and not move.done else None,
                           move_target=move.target.astimezone(CST) if move is not None and move.target else None), \
        status


@bp.get("/admin/clock")
@login_required
def clock_page():
    _may(Permission.MOVE_CLOCK)
    return _clock_page()


@bp.post("/admin/clock")
@login_required
def clock_move_page():
    user = _may(Permission.MOVE_CLOCK)
    action = request.form.get("action")
    budget = runtime().settings.clock_request_budget_seconds
    try:
        if action == "set":
            raw = request.form.get("target", "").strip()
            try:
                target = datetime.fromisoformat(raw)
            except ValueError:
                return _clock_page("请填写日期时间，例如 2026-10-09T16:00", 422)
            target = target if target.tzinfo else target.replace(tzinfo=CST)
            move = clock_svc.request_move(uow(), actor_of(user), target, budget_s=budget)
        elif action == "advance":
            move = clock_svc.request_advance(uow(), actor_of(user), request.form.get("duration", ""), budget)
        else:
            return _clock_page("未知操作", 400)
    except Invalid as exc:
        return _clock_page(exc.message, 422)  # the use case's sentence says what and the allowed range
    except (DomainError, ClockError) as exc:
        return _clock_page(getattr(exc, "message", str(exc)), 403)
    now = runtime().now().astimezone(CST)
    if move.done:
        flash(gettext("时钟已调整为 %(now)s（北京时间），到期的定时器已依次触发。", now=f"{now:%Y-%m-%d %H:%M:%S}"),
              "ok")
    else:  # the scheduler goes on with it in batches; the page shows what remains
        flash(gettext("时钟正在推进（已到 %(now)s），到期的定时器由调度程序分批触发。", now=f"{now:%Y-%m-%d %H:%M:%S}"),
              "ok")
    return redirect(url_for("calendar.clock_page"))
