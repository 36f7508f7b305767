"""The working-day calendar (years in force, loading a year, computing a deadline) and the clock
(reading it; moving the demo clock)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import abort, jsonify, request
from flask_openapi3 import FileStorage
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from app.api.common import Strict, api_blueprint, errors, validation_error_response
from app.extensions import actor_of, current_actor_user, ro_uow, runtime, uow
from processes.access import Permission, require
from processes.calendar import functions as calfn
from processes.calendar import services as calendar_svc
from processes.clock import CST
from processes.errors import Invalid
from processes.messages import field_error, t
from processes.models import User
from processes.services import clock as clock_svc

bp = api_blueprint("calendar", "工作日历与时钟")

MAX_TOML = 200_000  # characters of one year's schedule


# -- models ------------------------------------------------------------------------------------------------

class LoadRecordOut(BaseModel):
    id: int
    version: str
    source: str | None = None
    loaded_by: str | None = None
    loaded_at: str


class YearOut(BaseModel):
    year: int
    known: bool
    version: str | None = None
    origin: str | None = Field(None, description="database | file | built-in")
    source: str | None = None
    holidays: int
    workdays: list[str] = Field(description="adjusted working weekend days (ISO dates)")
    loads: list[LoadRecordOut]


class YearsOut(RootModel[list[YearOut]]):
    pass


class YearJsonIn(Strict):
    toml: str = Field(min_length=1, max_length=MAX_TOML, description="the <year>.toml file's text")
    source: str = Field("api", max_length=255)


class YearForm(BaseModel):
    file: FileStorage = Field(description="<year>.toml (config/holidays/README.md)")
    source: str | None = Field(None, max_length=255)


class RecomputedOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    element_id: str | None = None
    old: str | None = None
    new: str | None = None
    old_provisional: bool | None = None
    provisional: bool | None = None


class LoadedOut(BaseModel):
    year: int
    version: str
    previous_version: str | None = None
    recomputed: list[RecomputedOut] = Field(description="open deadlines counted again on the loaded year")


class YearPath(BaseModel):
    year: int = Field(ge=1900, le=2200)


class DeadlineQuery(BaseModel):
    start: date = Field(ge=date(1950, 1, 1), le=date(2150, 12, 31), description="YYYY-MM-DD (not counted)")
    n: int = Field(ge=0, le=10_000, description="working days")
    rule: Literal["add_working_days", "end_of_working_day"] = "add_working_days"


class DeadlineOut(BaseModel):
    rule: str
    start: str
    n: int
    date: str
    at: str | None = None
    value: str
    due_at: str
    provisional: bool = Field(description="counted on a year whose official schedule is not loaded")
    unknown_years: list[int]
    calendar_versions: dict[str, str]


class ProvisionalDeadlineOut(BaseModel):
    id: int
    instance_id: int
    business_key: str | None = None
    process_key: str
    kind: str
    task_id: str | None = None
    element_id: str | None = None
    rule: str
    start: str
    n: int
    value: str
    due_at: str
    unknown_years: list[int] | None = None
    calendar_versions: dict[str, str] | None = None


class ProvisionalOut(BaseModel):
    unknown_years_ahead: list[int]
    deadlines: list[ProvisionalDeadlineOut]


class ClockOut(BaseModel):
    now: str = Field(description="ISO 8601 with offset")
    movable: bool = Field(description="the demo clock (development and test only)")


class MoveOut(ClockOut):
    target: str | None = Field(None, description="where a move in progress goes (None: none)")
    due_timers: int = Field(description="timers still to fire on the way")
    fired: int = Field(description="instances woken by this move so far")
    done: bool


class ClockIn(Strict):
    now: str | None = Field(None, max_length=64, description="move to this ISO date-time (Beijing time if no offset)")
    advance: str | None = Field(None, max_length=32, description="or forward by an ISO-8601 duration: P5D, PT2H, P1M")


# the three ways to send a year's schedule: a file, JSON, or the TOML itself
_YEAR_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": YearForm.model_json_schema()},
        "application/json": {"schema": YearJsonIn.model_json_schema()},
        "text/plain": {"schema": {"type": "string", "maxLength": MAX_TOML,
                                  "description": "the TOML itself (also as application/toml; ?source= names it)"}},
    },
}


# -- routes -----------------------------------------------------------------------------------------------

def _may(permission: Permission) -> User:
    user = current_actor_user()
    require(user, permission)
    return user


def _checked(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        abort(validation_error_response(exc))


@bp.get("/calendar/years", summary="工作日历：已加载的年份及来源", responses={200: YearsOut})
def calendar_years() -> Any:
    return jsonify(calendar_svc.years_overview(ro_uow()))


@bp.post("/calendar/years", summary="加载（或更正）某一年的官方放假安排，并重算未到期的期限",
         openapi_extensions={"requestBody": _YEAR_BODY}, responses={201: LoadedOut, **errors(403)})
def calendar_load() -> Any:
    """A multipart field ``file`` (a <year>.toml), JSON ``{"toml": "...", "source": "..."}``, or the TOML
    itself as text/plain or application/toml."""
    user = _may(Permission.LOAD_CALENDAR)
    text: str | bytes
    if request.mimetype == "multipart/form-data":
        form = _checked(YearForm, {**request.form.to_dict(), **request.files.to_dict()})
        text, source = form.file.read(), form.source or form.file.filename or "upload"
    elif request.is_json:
        body = _checked(YearJsonIn, request.get_json(silent=True))
        text, source = body.toml, body.source or "api"
    else:
        text, source = request.get_data(), request.args.get("source", "api")[:255]
        if not text:
            raise Invalid(t("缺少日历文件"), [field_error("file", "missing", "缺少文件")], code="file_missing")
    result = calendar_svc.load_year(uow(), actor_of(user), text, source)
    return jsonify({"year": result.year, "version": result.version, "previous_version": result.previous_version,
                    "recomputed": result.recomputed}), 201


@bp.get("/calendar/years/<int:year>.toml", summary="某一年的放假安排（TOML，可修改后重新加载）",
        responses={200: {"description": "the year's schedule",
                         "content": {"application/toml": {"schema": {"type": "string"}}}}, **errors(404)})
def calendar_year_toml(path: YearPath) -> Any:
    return calendar_svc.year_toml(ro_uow(), path.year), 200, {"Content-Type": "application/toml; charset=utf-8"}


@bp.get("/calendar/add-working-days", summary="计算期限（按工作日）", responses={200: DeadlineOut})
def calendar_add_working_days(query: DeadlineQuery) -> Any:
    if query.rule == "end_of_working_day" and query.n < 1:
        raise Invalid(t("计算第 n 个工作日的结束时间时 n 至少为 1"),
                      [field_error("n", "too_small", "至少为 1")], code="invalid_rule")
    calfn.sync_calendar(ro_uow())
    return jsonify(calfn.deadline_info(query.start, query.n, rule=query.rule))


@bp.get("/calendar/provisional", summary="按未公布年份暂算的未到期期限",
        responses={200: ProvisionalOut, **errors(403)})
def calendar_provisional() -> Any:
    _may(Permission.LOAD_CALENDAR)
    return jsonify({"unknown_years_ahead": calendar_svc.unknown_years_ahead(ro_uow()),
                    "deadlines": calendar_svc.provisional_deadlines(ro_uow())})


@bp.get("/clock", summary="系统当前时间", responses={200: ClockOut})
def get_clock() -> Any:
    rt = runtime()
    return jsonify({"now": rt.now().isoformat(), "movable": rt.clock.movable})


@bp.post("/clock", summary="调整演示时钟（管理员；途经的定时器依次触发）", responses={200: MoveOut, **errors(403)})
def set_clock(body: ClockIn) -> Any:
    actor = actor_of(current_actor_user())
    budget = runtime().settings.clock_request_budget_seconds
    if body.now is not None:
        try:
            target = datetime.fromisoformat(body.now)
        except ValueError:
            raise Invalid(t("时间格式应为 ISO 8601，如 2026-10-09T16:00:00+08:00"),
                          [field_error("now", "datetime_parsing", "应为 ISO 时间")], code="invalid_time") from None
        if target.tzinfo is None:
            target = target.replace(tzinfo=CST)
        move = clock_svc.request_move(uow(), actor, target, budget_s=budget)
    elif body.advance is not None:
        move = clock_svc.request_advance(uow(), actor, clock_svc.parse_duration(body.advance), budget)
    else:
        raise Invalid(t("请给出目标时间 now 或时长 advance"), [field_error("now", "missing", "必填其一")],
                      code="clock_target_missing")
    # within clock_request_budget_seconds: done, or the progress of the move the scheduler goes on with
    return jsonify(move.as_dict())


@bp.get("/clock/move", summary="时钟推进的进度（调度程序分批触发途经的定时器）", responses={200: MoveOut})
def clock_move() -> Any:
    return jsonify(clock_svc.move_progress(ro_uow()).as_dict())
