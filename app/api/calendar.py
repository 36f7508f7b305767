"""JSON API of the working-day calendar and of notifications (issue 4). Thin: parse, call, render."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from app.api import bp
from app.api.routes import _int_arg, auth_required
from app.extensions import actor_of, current_actor_user, uow
from processes import calendar_service as cs
from processes import notifications
from processes.errors import Forbidden, Invalid


def _admin():  # type: ignore[no-untyped-def]
    user = current_actor_user()
    if user.role != "admin":
        raise Forbidden("only an administrator may do this")
    return user


def _load_view(result: cs.LoadResult) -> dict:
    return {"year": result.year, "version": result.version, "previous_version": result.previous_version,
            "recomputed": result.recomputed}


@bp.get("/calendar/years")
@auth_required
def calendar_years():
    return jsonify(cs.years_overview(uow()))


@bp.post("/calendar/years")
@auth_required
def calendar_load():
    """Body: multipart field ``file`` (a <year>.toml), or JSON {"toml": "...", "source": "..."},
    or the TOML itself as text/plain or application/toml."""
    user = _admin()
    f = request.files.get("file")
    if f is not None:
        text: str | bytes = f.read()
        source = f.filename or "upload"
    elif request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("toml"), str):
            raise Invalid("send {\"toml\": \"...\"}, a multipart field 'file', or the TOML as the body",
                          [{"field": "toml", "message": "必填"}])
        text, source = body["toml"], str(body.get("source") or "api")
    else:
        text, source = request.get_data(), request.args.get("source", "api")
        if not text:
            raise Invalid("the TOML file is missing", [{"field": "file", "message": "缺少文件"}])
    result = cs.load_year(uow(), actor_of(user), text, source)
    return jsonify(_load_view(result)), 201


@bp.get("/calendar/years/<int:year>.toml")
@auth_required
def calendar_year_toml(year: int):
    return cs.year_toml(uow(), year), 200, {"Content-Type": "application/toml; charset=utf-8"}


@bp.get("/calendar/add-working-days")
@auth_required
def calendar_add_working_days():
    raw = request.args.get("start", "")
    try:
        start = date.fromisoformat(raw)
    except ValueError:
        raise Invalid("start must be a date YYYY-MM-DD", [{"field": "start", "message": "应为日期"}]) from None
    try:
        n = int(request.args.get("n", ""))
    except ValueError:
        raise Invalid("n must be an integer", [{"field": "n", "message": "应为整数"}]) from None
    if n < 0 or n > 10_000:
        raise Invalid("n must be between 0 and 10000", [{"field": "n", "message": "超出范围"}])
    rule = request.args.get("rule", "add_working_days")
    if rule not in ("add_working_days", "end_of_working_day") or (rule == "end_of_working_day" and n < 1):
        raise Invalid("rule must be add_working_days or end_of_working_day (n >= 1)",
                      [{"field": "rule", "message": "不支持"}])
    cs.sync_calendar(uow())
    return jsonify(cs.deadline_info(start, n, rule=rule))


@bp.get("/calendar/provisional")
@auth_required
def calendar_provisional():
    _admin()
    return jsonify({"unknown_years_ahead": cs.unknown_years_ahead(uow()),
                    "deadlines": cs.provisional_deadlines(uow())})


@bp.get("/notifications")
@auth_required
def notifications_list():
    user = current_actor_user()
    unread_only = request.args.get("unread") in ("1", "true", "yes")
    items = notifications.list_for(uow(), user.id, unread_only=unread_only, limit=_int_arg("limit", 50, 200))
    return jsonify({"unread": notifications.unread_count(uow(), user.id),
                    "items": [notifications.view(n) for n in items]})


@bp.post("/notifications/read")
@auth_required
def notifications_read():
    """Body {"ids": [1, 2]} marks those read; {} or {"ids": null} marks all read."""
    body = request.get_json(silent=True) or {}
    ids = body.get("ids") if isinstance(body, dict) else None
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)):
        raise Invalid("ids must be a list of integers", [{"field": "ids", "message": "应为整数列表"}])
    user = current_actor_user()
    changed = notifications.mark_read(uow(), user.id, ids)
    return jsonify({"marked": changed, "unread": notifications.unread_count(uow(), user.id)})
