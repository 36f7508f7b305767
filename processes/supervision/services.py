"""Use cases of supervision (Chapter 5) and the scheduler job ``run_supervision_jobs(rt)``.

Design (ARCHITECTURE §3, "per-step cost that does not grow with history"): no instance lives for the
3 years of a recognition. Each quarter the scheduler starts one short ``quarterly_report`` instance per
platform (business key ``QR-<credit_code>-<year>Q<q>``) and one ``county_aggregate`` per county
(``CA-<county>-<year>Q<q>``); inspections and spot checks are short ``inspection`` instances. The
history lives in the rows of ``processes.supervision.models`` and in the audit trail, so the 12th
quarter's step costs what the 1st did.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handlers import supervision as sv
from handlers.certificates import validity_expired
from handlers.workdays import quarter_aggregate_due, quarter_report_due
from processes.access import (
    Permission,
    allowed,
    county_row_filter,
    may_act_in_county,
    may_see_county_row,
    require,
    require_any,
)
from processes.calendar.functions import sync_calendar
from processes.db import UnitOfWork
from processes.errors import Conflict, DomainError, Invalid, NotFound
from processes.messages import field_error, t
from processes.models import ProcessDefinition, ProcessInstance, User
from processes.notifications.services import notify
from processes.recognition.models import Application, PlatformRegister, RecognitionRound
from processes.services.clock import sync_clock
from processes.services.core import SYSTEM, Actor, record
from processes.services.deploy import deploy_file
from processes.services.instances import start_instance
from processes.services.users import counties
from processes.supervision.hooks import local_day
from processes.supervision.models import (
    OPEN_REPORT_STATUSES,
    CountyAggregate,
    Inspection,
    PlatformAccount,
    QuarterlyReport,
    Revocation,
    SpotCheckRound,
)
from processes.supervision.revocation import apply_revocation, stop_supervision

PROCESS_KEYS = ("quarterly_report", "county_aggregate", "inspection")
DIAGRAMS = tuple(f"{k}.bpmn" for k in PROCESS_KEYS)
log = logging.getLogger(__name__)


def today(uow: UnitOfWork) -> date:
    return local_day(uow.runtime.now())


def deploy_supervision(uow: UnitOfWork, actor: Actor = SYSTEM) -> list[str]:
    """Deploy (or keep) this area's diagrams from the diagrams folder."""

    out = []
    folder = Path(uow.runtime.settings.diagrams_dir)
    for name in DIAGRAMS:
        for r in deploy_file(uow, actor, name, (folder / name).read_text(encoding="utf-8")):
            out.append(f"{r.key} v{r.version}")
    return out


def _deployed(uow: UnitOfWork, key: str) -> bool:
    with uow:
        return uow.s.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key).limit(1)) is not None


# -- settings: the county's own report day ----------------------------------------------------

def report_day(uow: UnitOfWork, county: str | None) -> int:
    """docs/DOMAIN.md §6: each county sets the platforms' deadline (``report_day`` in counties.toml)."""

    try:
        for c in counties(uow.runtime.settings.config_dir):
            if c.get("code") == county and c.get("report_day"):
                return int(c["report_day"])
    except OSError:
        pass
    return int(uow.runtime.settings.extra.get("report_day", 15))


# -- the platform's user ---------------------------------------------------------------------

def platform_user(uow: UnitOfWork, entry: PlatformRegister) -> User | None:
    """Who files the platform's reports: the account linked to it, else the user who applied."""
    uid = uow.s.scalar(select(PlatformAccount.user_id).where(PlatformAccount.credit_code == entry.credit_code))
    if uid is None and entry.application_key:
        uid = uow.s.scalar(select(Application.applicant_id).where(Application.business_key == entry.application_key))
    return uow.s.get(User, uid) if uid is not None else None


def link_platform_user(uow: UnitOfWork, actor: Actor, credit_code: str, username: str) -> None:
    require(actor, Permission.MANAGE_REGISTER)
    with uow:
        user = uow.s.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(t("用户 {name} 不存在", name=username), code="user_not_found")
        row = uow.s.scalars(select(PlatformAccount).where(PlatformAccount.credit_code == credit_code)).first()
        if row is None:
            uow.s.add(PlatformAccount(credit_code=credit_code, user_id=user.id))
        else:
            row.user_id = user.id
        record(uow, actor, "platform.user_linked", data={"credit_code": credit_code, "username": username})
        uow.commit()


# -- starting a quarter (idempotent) -----------------------------------------------------------

def start_quarter(uow: UnitOfWork, year: int, quarter: int, actor: Actor = SYSTEM) -> list[str]:
    """Art. 19: start the quarter's report for every platform that must report on it, and the
    aggregate for every county that has one. Idempotent: one per platform (county) per quarter."""
    day = today(uow)
    with uow:
        entries = uow.s.scalars(select(PlatformRegister).where(PlatformRegister.status.in_(sv.REPORTING_STATUSES))
                                .order_by(PlatformRegister.id)).all()
        have = set(uow.s.scalars(select(QuarterlyReport.register_id).where(
            QuarterlyReport.year == year, QuarterlyReport.quarter == quarter)))
        todo: list[dict[str, Any]] = []
        counties: set[str] = set()
        for e in entries:
            if not sv.must_report(e.valid_from, e.valid_to, e.status, year, quarter, day):
                continue
            if e.county:
                counties.add(e.county)
            if e.id in have:
                continue
            user = platform_user(uow, e)
            todo.append({"register_id": e.id, "credit_code": e.credit_code, "unit_name": e.unit_name,
                         "county": e.county, "platform_user": user.username if user else None,
                         "platform_user_id": user.id if user else None})
        agg_have = set(uow.s.scalars(select(CountyAggregate.county).where(
            CountyAggregate.year == year, CountyAggregate.quarter == quarter)))
    started: list[str] = []
    common = {"year": year, "quarter": quarter, "quarter_key": sv.quarter_key(year, quarter),
              "aggregate_due": quarter_aggregate_due(year, quarter).isoformat()}
    for v in todo:
        rday = report_day(uow, v["county"])
        bk = sv.report_business_key(v["credit_code"], year, quarter)
        variables = {**v, **common, "report_day": rday,
                     "report_due": quarter_report_due(year, quarter, rday).isoformat()}
        if _start(uow, actor, "quarterly_report", bk, variables):
            started.append(bk)
    for county in sorted(counties - agg_have):
        bk = sv.aggregate_business_key(county, year, quarter)
        if _start(uow, actor, "county_aggregate", bk, {**common, "county": county}):
            started.append(bk)
    return started


def _start(uow: UnitOfWork, actor: Actor, key: str, business_key: str, variables: dict[str, Any]) -> bool:
    """One platform's failure (e.g. a unique key taken by a concurrent run) must not stop the others."""
    try:
        start_instance(uow, actor, key, business_key, variables)
        return True
    except (DomainError, IntegrityError) as exc:
        log.warning("could not start %s %s: %s", key, business_key, exc)
        return False


# -- the scheduler job ---------------------------------------------------------------------------

def close_rounds(uow: UnitOfWork, day: date) -> list[int]:
    """Art. 15: a round closes after its submission deadline (new applications are then refused)."""
    with uow:
        rounds = uow.s.scalars(select(RecognitionRound).where(RecognitionRound.status == "open",
                                                              RecognitionRound.submission_deadline < day)).all()
        for r in rounds:
            r.status = "closed"
            record(uow, SYSTEM, "round.closed", data={"round_id": r.id, "year": r.year,
                                                      "submission_deadline": r.submission_deadline.isoformat()})
        uow.commit()
        return [r.id for r in rounds]


def expire_registrations(uow: UnitOfWork, day: date) -> list[int]:
    """Art. 17: the day after the validity's last day (``valid_to``, :func:`validity_expired`, as the
    register page reads it) the entry becomes expired and inspections stop. The quarterly reports
    of the quarters the validity covered are still due (Art. 19), the last partial one included."""
    with uow:
        entries = [e for e in uow.s.scalars(select(PlatformRegister).where(
            PlatformRegister.status == "recognised", PlatformRegister.valid_to.is_not(None),
            PlatformRegister.valid_to < day)) if e.valid_to is not None and validity_expired(e.valid_to, day)]
        for e in entries:
            e.status = "expired"
            e.updated_at = uow.runtime.now()
            record(uow, SYSTEM, "register.expired", data={"register_id": e.id, "credit_code": e.credit_code,
                                                          "valid_to": e.valid_to.isoformat() if e.valid_to else None})
            stop_supervision(uow, e.id, "示范平台认定有效期已满（第十七条）", reports=False)
        uow.commit()
        return [e.id for e in entries]


def _notify(uow: UnitOfWork, user_ids: Iterable[int], kind: str, title: str, body: str, link: str | None,
            dedup: str | None, instance_id: int | None = None) -> int:
    n = 0
    for uid in user_ids:
        if notify(uow, uid, kind, title, body, link=link, instance_id=instance_id,
                  dedup_key=f"{dedup}:{uid}" if dedup else None) is not None:
            n += 1
    return n


def county_officers(uow: UnitOfWork, county: str | None) -> list[int]:
    return list(uow.s.scalars(select(User.id).where(User.role == "county_officer", User.county == county,
                                                    User.active.is_(True))))


def chase_overdue(uow: UnitOfWork, day: date) -> int:
    """催报: overdue reports (weekly), never-reported platforms flagged to the county once the
    county's own deadline has passed, overdue aggregates chased at the county."""
    week = "{}-W{:02d}".format(*day.isocalendar()[:2])
    sent = 0
    with uow:
        for r in uow.s.scalars(select(QuarterlyReport).where(QuarterlyReport.status.in_(OPEN_REPORT_STATUSES),
                                                             QuarterlyReport.due_date < day)).all():
            if r.platform_user_id is not None:
                qk = sv.quarter_key(r.year, r.quarter)
                n = _notify(uow, [r.platform_user_id], "urged", f"催报：{qk} 季度工作报告",
                            f"{r.unit_name} 的 {sv.quarter_key(r.year, r.quarter)} 季度工作报告应于 "
                            f"{r.due_date.isoformat()} 前报送所在县（市、区）（第十九条），请尽快填报。",
                            "/supervision/reports", f"chase:{r.business_key}:{week}", r.instance_id)
                if n:
                    r.chase_count += 1
                    r.last_chased_at = uow.runtime.now()
                    sent += n
            if not r.flagged_missing and r.aggregate_due < day:
                r.flagged_missing = True
                sent += _notify(uow, county_officers(uow, r.county), "overdue",
                                f"平台未报送季度报告：{r.unit_name}",
                                f"{r.unit_name}（{r.credit_code}）未报送 {sv.quarter_key(r.year, r.quarter)} "
                                "季度工作报告，已过县级汇总报送期限。", "/supervision/overdue",
                                f"missing:{r.business_key}", r.instance_id)
                record(uow, SYSTEM, "report.missing_flagged", r.instance_id,
                       data={"business_key": r.business_key, "county": r.county})
        for a in uow.s.scalars(select(CountyAggregate).where(CountyAggregate.status == "open",
                                                             CountyAggregate.due_date < day)).all():
            n = _notify(uow, county_officers(uow, a.county), "urged",
                        f"催报：{sv.quarter_key(a.year, a.quarter)} 季度汇总",
                        f"{sv.quarter_key(a.year, a.quarter)} 季度汇总应于 {a.due_date.isoformat()} 前报送市工业和"
                        "信息化局（第十九条）。", "/supervision/overdue", f"chase:{a.business_key}:{week}",
                        a.instance_id)
            if n:
                a.chase_count += 1
                sent += n
        uow.commit()
    return sent


def expiry_reminders(uow: UnitOfWork, day: date) -> int:
    """Art. 17: in the expiry year, tell the platform that it may apply again (once a year)."""
    sent = 0
    with uow:
        for e in uow.s.scalars(select(PlatformRegister).where(PlatformRegister.status == "recognised",
                                                              PlatformRegister.valid_to.is_not(None))).all():
            if not sv.expiry_reminder_due(e.valid_to, e.status, day):
                continue
            user = platform_user(uow, e)
            targets = [user.id] if user else []
            targets += county_officers(uow, e.county)
            assert e.valid_to is not None
            sent += _notify(uow, targets, "due_soon", f"示范平台认定将于 {e.valid_to.isoformat()} 到期",
                            f"{e.unit_name} 的示范平台认定有效期至 {e.valid_to.isoformat()}。依据第十七条，"
                            "有效期满当年可再次申报，请关注本年度申报通知。", "/",
                            f"expiry-year:{e.id}:{e.valid_to.year}")
        uow.commit()
    return sent


def run_supervision_jobs(rt: Any) -> dict[str, Any]:
    """The scheduler job (idempotent; run it every poll or daily): close rounds past their deadline,
    expire registrations, start the reporting quarter's reports and aggregates, chase what is overdue,
    send expiry-year reminders."""

    uow = rt.uow()
    sync_clock(uow)
    sync_calendar(uow)
    day = today(uow)
    out: dict[str, Any] = {"closed_rounds": close_rounds(uow, day), "expired": expire_registrations(uow, day)}
    if all(_deployed(uow, k) for k in ("quarterly_report", "county_aggregate")):
        out["started"] = start_quarter(uow, *sv.reporting_quarter(day))
    else:
        out["started"] = []
    out["chased"] = chase_overdue(uow, day)
    out["expiry_reminders"] = expiry_reminders(uow, day)
    return out


# -- chasing by hand -----------------------------------------------------------------------------

def chase_report(uow: UnitOfWork, actor: Actor, report_id: int, message: str = "") -> dict[str, Any]:
    """The county officer chases (催报) one platform's report."""
    with uow:
        r = uow.s.get(QuarterlyReport, report_id)
        if r is None or not may_see_county_row(actor, r.county, r.platform_user_id):
            raise NotFound(t("季度报告 {id} 不存在或您无权查看", id=report_id), code="report_not_found")
        require(actor, Permission.CHASE_REPORTS)
        if r.status not in OPEN_REPORT_STATUSES:
            raise Conflict(t("该报告不在等待平台报送的状态，无需催报"), code="report_not_open")
        if r.platform_user_id is not None:
            _notify(uow, [r.platform_user_id], "urged", f"催报：{sv.quarter_key(r.year, r.quarter)} 季度工作报告",
                    message or f"请尽快报送 {sv.quarter_key(r.year, r.quarter)} 季度工作报告（应于 "
                    f"{r.due_date.isoformat()} 前报送）。", "/supervision/reports", None, r.instance_id)
        r.chase_count += 1
        r.last_chased_at = uow.runtime.now()
        record(uow, actor, "report.chased", r.instance_id, data={"business_key": r.business_key, "message": message})
        uow.commit()
        return report_view(r, today(uow))


# -- inspections, spot checks, revocation ------------------------------------------------------

def _entry(uow: UnitOfWork, register_id: int) -> PlatformRegister:
    e = uow.s.get(PlatformRegister, register_id)
    if e is None:
        raise NotFound(t("名录中没有记录 {id}", id=register_id), code="register_entry_not_found")
    return e


def start_inspection(uow: UnitOfWork, actor: Actor, register_id: int) -> ProcessInstance:
    """Art. 20: a county officer inspects one of the county's recognised platforms."""
    with uow:
        e = _entry(uow, register_id)
        if not may_act_in_county(actor, e.county):
            raise NotFound(t("名录中没有记录 {id}", id=register_id), code="register_entry_not_found")
        require(actor, Permission.START_INSPECTION)
        if e.status != "recognised":
            raise Invalid(t("{name} 不在认定有效期内", name=e.unit_name),
                          [field_error("register_id", "not_recognised", "该平台不在认定有效期内")],
                          code="not_recognised")
        variables = {"register_id": e.id, "credit_code": e.credit_code, "unit_name": e.unit_name,
                     "county": e.county, "kind": "county", "round_id": None, "verify_reasons": ""}
    return start_instance(uow, actor, "inspection", None, variables)


def start_spot_check(uow: UnitOfWork, actor: Actor, n: int, seed: str | None = None) -> dict[str, Any]:
    """Art. 21: the bureau picks ``n`` recognised platforms at random; each is inspected. The seed and
    the picks are stored and audited, so the draw can be re-done by anyone."""
    require(actor, Permission.START_SPOT_CHECK)
    if not isinstance(n, int) or n < 1:
        raise Invalid(t("抽查数量至少为 1"), [field_error("n", "too_small", "抽查数量至少为 1")], code="n_invalid")
    seed = str(seed) if seed else secrets.token_hex(8)
    keys = []
    with uow:  # one transaction: the round, its audit entry and every inspection it starts, or nothing
        with uow.holding_commits():
            entries = {e.credit_code: e for e in uow.s.scalars(select(PlatformRegister).where(
                PlatformRegister.status == "recognised"))}
            if not entries:
                raise Conflict(t("没有可抽查的示范平台"), code="nothing_to_check")
            picks = sv.draw_spot_check(list(entries), n, seed)
            rnd = SpotCheckRound(n=n, seed=seed, candidates=len(entries), picks=picks,
                                 started_by=actor.username, started_at=uow.runtime.now())
            uow.s.add(rnd)
            uow.s.flush()
            record(uow, actor, "spot_check.started", data={"round_id": rnd.id, "n": n, "seed": seed,
                                                           "candidates": sorted(entries), "picks": picks})
            round_id = rnd.id
            for code in picks:
                e = entries[code]
                bk = f"SC-{round_id}-{code}"
                start_instance(uow, actor, "inspection", bk, {
                    "register_id": e.id, "credit_code": code, "unit_name": e.unit_name, "county": e.county,
                    "kind": "spot_check", "round_id": round_id, "verify_reasons": ""})
                keys.append(bk)
        uow.commit()
    return {"round_id": round_id, "seed": seed, "n": n, "picks": picks, "business_keys": keys}


def revoke(uow: UnitOfWork, actor: Actor, register_id: int, article: str, reason: str,
           source: str = "other") -> dict[str, Any]:
    """Art. 20/21 directly by the bureau. Art. 21: any violation of law or regulation established during
    the validity period — found by a spot check, a county inspection, a complaint or otherwise
    (``source``) — revokes with the 3-year ban; an Art. 20 failure without a violation revokes
    without it."""
    require(actor, Permission.REVOKE)
    if source not in sv.REVOCATION_SOURCES:
        raise Invalid(t("来源应为 {sources} 之一", sources=", ".join(sv.REVOCATION_SOURCES)),
                      [field_error("source", "source_invalid", "来源应为市局抽查、县级检查、投诉举报或其他途径")],
                      code="source_invalid")
    with uow:
        e = _entry(uow, register_id)
        if e.status != "recognised":
            raise Invalid(t("{name} 不在认定有效期内", name=e.unit_name),
                          [field_error("register_id", "not_recognised", "该平台不在认定有效期内")],
                          code="not_recognised")
        try:
            data = sv.revocation_data(article, reason, today(uow))
        except ValueError as exc:
            # the handler's text (Chinese) names the article and what is missing
            raise Invalid(str(exc), [{"field": "article", "code": "revocation_invalid", "message": str(exc)}],
                          code="revocation_invalid") from None
        now = uow.runtime.now()
        revoked_on = date.fromisoformat(data["revoked_on"])
        ban = date.fromisoformat(data["ban_until"]) if data["ban_until"] else None
        rev = Revocation(register_id=e.id, credit_code=e.credit_code, unit_name=e.unit_name, county=e.county,
                         article=article, reason=data["reason"], source=source, status="confirmed",
                         requested_by=actor.username,
                         requested_at=now, decided_by=actor.username, decided_at=now, decision_reasons="",
                         revoked_on=revoked_on, ban_until=ban)
        uow.s.add(rev)
        apply_revocation(uow, e.id, article, data["reason"], revoked_on, ban, actor)
        uow.commit()
        return revocation_view(rev)


# -- read side -----------------------------------------------------------------------------------

def report_view(r: QuarterlyReport, day: date) -> dict[str, Any]:
    overdue = r.status in OPEN_REPORT_STATUSES and r.due_date < day
    return {"id": r.id, "business_key": r.business_key, "instance_id": r.instance_id, "register_id": r.register_id,
            "credit_code": r.credit_code, "unit_name": r.unit_name, "county": r.county, "year": r.year,
            "quarter": r.quarter, "quarter_key": sv.quarter_key(r.year, r.quarter), "status": r.status,
            "due_date": r.due_date.isoformat(), "aggregate_due": r.aggregate_due.isoformat(),
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "accepted_at": r.accepted_at.isoformat() if r.accepted_at else None, "late": r.late,
            "overdue": overdue, "days_overdue": (day - r.due_date).days if overdue else 0,
            "chase_count": r.chase_count, "flagged_missing": r.flagged_missing, "returns": r.returns,
            "figures": dict(r.figures or {})}


def aggregate_view(a: CountyAggregate, day: date) -> dict[str, Any]:
    overdue = a.status == "open" and a.due_date < day
    return {"id": a.id, "business_key": a.business_key, "instance_id": a.instance_id, "county": a.county,
            "year": a.year, "quarter": a.quarter, "quarter_key": sv.quarter_key(a.year, a.quarter),
            "status": a.status, "due_date": a.due_date.isoformat(),
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None, "late": a.late,
            "overdue": overdue, "days_overdue": (day - a.due_date).days if overdue else 0,
            "chase_count": a.chase_count, "summary": dict(a.summary or {})}


def inspection_view(i: Inspection) -> dict[str, Any]:
    return {"id": i.id, "business_key": i.business_key, "instance_id": i.instance_id, "register_id": i.register_id,
            "credit_code": i.credit_code, "unit_name": i.unit_name, "county": i.county, "kind": i.kind,
            "round_id": i.round_id, "status": i.status, "verdict": i.verdict, "findings": dict(i.findings or {}),
            "started_by": i.started_by, "created_at": i.created_at.isoformat()}


def revocation_view(r: Revocation) -> dict[str, Any]:
    return {"id": r.id, "register_id": r.register_id, "credit_code": r.credit_code, "unit_name": r.unit_name,
            "county": r.county, "inspection_id": r.inspection_id, "article": r.article, "reason": r.reason,
            "source": r.source, "source_name": sv.REVOCATION_SOURCES.get(r.source or "", ""),
            "status": r.status, "requested_by": r.requested_by, "requested_at": r.requested_at.isoformat(),
            "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            "decision_reasons": r.decision_reasons,
            "revoked_on": r.revoked_on.isoformat() if r.revoked_on else None,
            "ban_until": r.ban_until.isoformat() if r.ban_until else None}


def list_reports(uow: UnitOfWork, user: Actor | User, year: int | None = None, quarter: int | None = None,
                 county: str | None = None, status: str | None = None, credit_code: str | None = None,
                 limit: int = 200) -> list[dict[str, Any]]:
    require_any(user, Permission.SEE_SUPERVISION, Permission.FILE_REPORTS)
    with uow:
        stmt = county_row_filter(select(QuarterlyReport), QuarterlyReport, user, QuarterlyReport.platform_user_id)
        if year:
            stmt = stmt.where(QuarterlyReport.year == year)
        if quarter:
            stmt = stmt.where(QuarterlyReport.quarter == quarter)
        if county:
            stmt = stmt.where(QuarterlyReport.county == county)
        if status:
            stmt = stmt.where(QuarterlyReport.status == status)
        if credit_code:
            stmt = stmt.where(QuarterlyReport.credit_code == credit_code)
        day = today(uow)
        rows = uow.s.scalars(stmt.order_by(QuarterlyReport.year.desc(), QuarterlyReport.quarter.desc(),
                                           QuarterlyReport.credit_code).limit(limit))
        return [report_view(r, day) for r in rows]


def list_aggregates(uow: UnitOfWork, user: Actor | User, limit: int = 200) -> list[dict[str, Any]]:
    require(user, Permission.SEE_SUPERVISION)
    with uow:
        stmt = county_row_filter(select(CountyAggregate), CountyAggregate, user)
        day = today(uow)
        return [aggregate_view(a, day) for a in uow.s.scalars(
            stmt.order_by(CountyAggregate.year.desc(), CountyAggregate.quarter.desc(), CountyAggregate.county)
            .limit(limit))]


def overdue(uow: UnitOfWork, user: Actor | User) -> dict[str, Any]:
    """Late reports and late aggregates (催报 list), scoped: a county officer sees their county, a
    platform its own reports."""
    require_any(user, Permission.SEE_SUPERVISION, Permission.FILE_REPORTS)
    with uow:
        day = today(uow)
        reports = uow.s.scalars(county_row_filter(select(QuarterlyReport), QuarterlyReport, user,
                                         QuarterlyReport.platform_user_id)
                                .where(QuarterlyReport.status.in_(OPEN_REPORT_STATUSES),
                                       QuarterlyReport.due_date < day)
                                .order_by(QuarterlyReport.due_date, QuarterlyReport.credit_code)).all()
        aggregates = [] if not allowed(user, Permission.SEE_SUPERVISION) else uow.s.scalars(
            county_row_filter(select(CountyAggregate), CountyAggregate, user)
            .where(CountyAggregate.status == "open", CountyAggregate.due_date < day)
            .order_by(CountyAggregate.due_date, CountyAggregate.county)).all()
        late_submitted = uow.s.scalars(county_row_filter(select(QuarterlyReport), QuarterlyReport, user,
                                                QuarterlyReport.platform_user_id)
                                       .where(QuarterlyReport.late.is_(True),
                                              QuarterlyReport.due_date >= day - timedelta(days=400))
                                       .order_by(QuarterlyReport.due_date.desc())).all()
        return {"today": day.isoformat(), "reports": [report_view(r, day) for r in reports],
                "aggregates": [aggregate_view(a, day) for a in aggregates],
                "late_reports": [report_view(r, day) for r in late_submitted]}


def list_inspections(uow: UnitOfWork, user: Actor | User, limit: int = 200) -> list[dict[str, Any]]:
    require(user, Permission.SEE_SUPERVISION)
    with uow:
        stmt = county_row_filter(select(Inspection), Inspection, user)
        return [inspection_view(i) for i in uow.s.scalars(stmt.order_by(Inspection.id.desc()).limit(limit))]


def list_spot_checks(uow: UnitOfWork, user: Actor | User) -> list[dict[str, Any]]:
    require(user, Permission.SEE_ALL_INSTANCES)
    with uow:
        return [{"id": r.id, "n": r.n, "seed": r.seed, "candidates": r.candidates, "picks": r.picks,
                 "started_by": r.started_by, "started_at": r.started_at.isoformat()}
                for r in uow.s.scalars(select(SpotCheckRound).order_by(SpotCheckRound.id.desc()))]


def list_revocations(uow: UnitOfWork, user: Actor | User | None = None, public: bool = False) -> list[dict[str, Any]]:
    """Art. 20: the results are published; the public list shows confirmed revocations only. Requests
    and decisions: the supervising staff of their scope."""
    if not public and user is not None:
        require(user, Permission.SEE_SUPERVISION)
    with uow:
        stmt = select(Revocation)
        if public or user is None:
            stmt = stmt.where(Revocation.status == "confirmed")
        else:
            stmt = county_row_filter(stmt, Revocation, user)
        rows = uow.s.scalars(stmt.order_by(Revocation.id.desc())).all()
        staff = not public and user is not None
        return [{**revocation_view(r), "decided_by": r.decided_by} if staff else revocation_view(r) for r in rows]


def supervised_platforms(uow: UnitOfWork, user: Actor | User) -> list[dict[str, Any]]:
    """Register entries the user may supervise (county officers: their county)."""
    require(user, Permission.SEE_SUPERVISION)
    with uow:
        stmt = county_row_filter(select(PlatformRegister), PlatformRegister, user)
        return [{"id": e.id, "unit_name": e.unit_name, "credit_code": e.credit_code, "county": e.county,
                 "status": e.status, "valid_from": e.valid_from.isoformat() if e.valid_from else None,
                 "valid_to": e.valid_to.isoformat() if e.valid_to else None,
                 "ban_until": e.ban_until.isoformat() if e.ban_until else None, "note": e.note}
                for e in uow.s.scalars(stmt.order_by(PlatformRegister.county, PlatformRegister.unit_name))]
