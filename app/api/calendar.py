"""The working-day calendar (years in force, loading a year, computing a deadline) and the clock
(reading it; moving the demo clock)."""

from __future__ import annotations

from datetime import date, datetime

from flask import jsonify, request

from app.api.common import auth_required, json_body, legacy_blueprint
from app.extensions import actor_of, current_actor_user, ro_uow, runtime, uow
from processes.access import Permission, require
from processes.calendar import functions as calfn
from processes.calendar import services as calendar_svc
from processes.clock import CST
from processes.errors import Invalid
from processes.models import User
from processes.services import clock as clock_svc

bp = legacy_blueprint("calendar")


def _may(permission: Permission) -> User:
    user = current_actor_user()
    require(user, permission)
    return user


def _load_view(result: calendar_svc.LoadResult) -> dict:
    return {"year": result.year, "version": result.version, "previous_version": result.previous_version,
            "recomputed": result.recomputed}


@bp.get("/calendar/years")
@auth_required
def calendar_years():
    return jsonify(calendar_svc.years_overview(ro_uow()))


@bp.post("/calendar/years")
@auth_required
def calendar_load():
    """Body: multipart field ``file`` (a <year>.toml), or JSON {"toml": "...", "source": "..."},
    or the TOML itself as text/plain or application/toml."""
    user = _may(Permission.LOAD_CALENDAR)
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
    result = calendar_svc.load_year(uow(), actor_of(user), text, source)
    return jsonify(_load_view(result)), 201


@bp.get("/calendar/years/<int:year>.toml")
@auth_required
def calendar_year_toml(year: int):
    return calendar_svc.year_toml(ro_uow(), year), 200, {"Content-Type": "application/toml; charset=utf-8"}


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
    calfn.sync_calendar(ro_uow())
    return jsonify(calfn.deadline_info(start, n, rule=rule))


@bp.get("/calendar/provisional")
@auth_required
def calendar_provisional():
    _may(Permission.LOAD_CALENDAR)
    return jsonify({"unknown_years_ahead": calendar_svc.unknown_years_ahead(ro_uow()),
                    "deadlines": calendar_svc.provisional_deadlines(ro_uow())})


@bp.get("/clock")
@auth_required
def get_clock():
    rt = runtime()
    return jsonify({"now": rt.now().isoformat(), "movable": rt.clock.movable})


@bp.post("/clock")
@auth_required
def set_clock():
    body = json_body()
    actor = actor_of(current_actor_user())
    budget = runtime().settings.clock_request_budget_seconds
    if "now" in body:
        try:
            target = datetime.fromisoformat(str(body["now"]))
        except ValueError:
            raise Invalid("now must be an ISO date-time", [{"field": "now", "message": "应为 ISO 时间"}]) from None
        if target.tzinfo is None:
            target = target.replace(tzinfo=CST)
        move = clock_svc.request_move(uow(), actor, target, budget_s=budget)
    elif "advance" in body:
        move = clock_svc.request_advance(uow(), actor, clock_svc.parse_duration(str(body["advance"])), budget)
    else:
        raise Invalid("give 'now' or 'advance'", [{"field": "now", "message": "必填其一"}])
    # within clock_request_budget_seconds: done, or the progress of the move the scheduler goes on with
    return jsonify(move.as_dict())


@bp.get("/clock/move")
@auth_required
def clock_move():
    return jsonify(clock_svc.move_progress(ro_uow()).as_dict())
