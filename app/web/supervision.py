"""Supervision pages (Chapter 5): overdue list and 催报, quarterly reports, supervised platforms and
inspections, spot checks, and the public list of revocations (Art. 20: results are published)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, uow
from app.templating import in_language
from processes.access import Permission, allowed, require
from processes.admin import views
from processes.errors import DomainError
from processes.models import User
from processes.supervision import services as sup
from processes.vocabulary import N_

STATUS_NAMES = {"open": N_("待填报"), "submitted": N_("待县级审核"), "returned": N_("退回修改"),
                "accepted": N_("已接收"), "cancelled": N_("已终止"), "passed": N_("合格"),
                "revocation_requested": N_("待市局核实"), "revoked": N_("已撤销称号"),
                "revocation_rejected": N_("不予撤销"), "recognised": N_("有效"), "expired": N_("已到期"),
                "confirmed": N_("已撤销"), "rejected": N_("不予撤销"), "requested": N_("待核实")}
# inspection verdicts (handlers/supervision.py VERDICTS) in words
VERDICT_NAMES = {"pass": N_("合格"), "fail": N_("不合格（第二十条）"), "violation": N_("发现违法违规（第二十一条）")}
SOURCE_NAMES = {"spot_check": N_("市局抽查"), "inspection": N_("县级检查"), "complaint": N_("投诉举报"),
                "other": N_("其他途径")}

bp = Blueprint("supervision", __name__)


def _user() -> User:
    return current_user.user


@bp.app_context_processor
def _supervision_names() -> dict[str, Any]:
    return {"S": in_language(STATUS_NAMES), "VERDICTS": in_language(VERDICT_NAMES)}


@bp.get("/supervision/overdue")
@login_required
def supervision_overdue():
    return render_template("supervision/overdue.html", data=sup.overdue(ro_uow(), _user()))


@bp.post("/supervision/reports/<int:report_id>/chase")
@login_required
def supervision_chase(report_id: int):
    try:
        sup.chase_report(uow(), actor_of(_user()), report_id, request.form.get("message", "").strip())
        flash(gettext("已催报"), "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(request.form.get("next") or url_for("supervision.supervision_overdue"))


@bp.get("/supervision/reports")
@login_required
def supervision_reports():
    a = request.args
    year = int(a["year"]) if a.get("year", "").isdigit() else None
    quarter = int(a["quarter"]) if a.get("quarter", "") in ("1", "2", "3", "4") else None
    reports = sup.list_reports(ro_uow(), _user(), year, quarter, a.get("county") or None, a.get("status") or None)
    aggregates = sup.list_aggregates(ro_uow(), _user()) if allowed(_user(), Permission.SEE_SUPERVISION) else []
    return render_template("supervision/reports.html", reports=reports, aggregates=aggregates, args=a)


@bp.get("/supervision/platforms")
@login_required
def supervision_platforms():
    user = _user()
    require(user, Permission.SEE_SUPERVISION)  # 403 for everyone else
    return render_template("supervision/platforms.html", platforms=sup.supervised_platforms(ro_uow(), user),
                           inspections=sup.list_inspections(ro_uow(), user),
                           may_revoke=allowed(user, Permission.REVOKE), sources=in_language(SOURCE_NAMES))


@bp.post("/supervision/revocations")
@login_required
def supervision_revoke():
    """Art. 20/21 by the bureau from the platforms page: a violation established (spot check, county
    inspection, complaint or otherwise) revokes with the 3-year ban; an Art. 20 failure without it."""
    f = request.form
    try:
        rev = sup.revoke(uow(), actor_of(_user()), int(f.get("register_id", "0")), f.get("article", ""),
                         f.get("reason", "").strip(), f.get("source", "other"))
        flash(gettext("已撤销 %(unit)s 的示范平台称号（%(article)s，%(until)s 前不得申报）", unit=rev["unit_name"],
                      article=rev["article"], until=rev["ban_until"]) if rev["ban_until"] else
              gettext("已撤销 %(unit)s 的示范平台称号（%(article)s）", unit=rev["unit_name"], article=rev["article"]),
              "success")
    except (DomainError, ValueError) as exc:
        flash(getattr(exc, "message", str(exc)), "error")
    return redirect(url_for("supervision.supervision_platforms"))


@bp.post("/supervision/inspections")
@login_required
def supervision_start_inspection():
    try:
        inst = sup.start_inspection(uow(), actor_of(_user()), int(request.form.get("register_id", "0")))
        flash(gettext("已发起检查 %(key)s", key=inst.business_key), "success")
    except (DomainError, ValueError) as exc:
        flash(getattr(exc, "message", str(exc)), "error")
    return redirect(url_for("supervision.supervision_platforms"))


@bp.get("/supervision/spot-checks")
@login_required
def supervision_spot_checks():
    user = _user()
    require(user, Permission.SEE_ALL_INSTANCES)  # the bureau's checks (Art. 21): 403 for everyone else
    return _spot_checks_page(user, None)


@bp.post("/supervision/spot-checks")
@login_required
def supervision_start_spot_check():
    user = _user()
    try:
        n = int(request.form.get("n", "0"))
        result = sup.start_spot_check(uow(), actor_of(user), n, request.form.get("seed", "").strip() or None)
    except (DomainError, ValueError) as exc:
        flash(getattr(exc, "message", None) or gettext("抽查数量应为正整数"), "error")
        return redirect(url_for("supervision.supervision_spot_checks"))
    flash(gettext("已抽取 %(n)s 家平台（随机种子 %(seed)s）", n=len(result["picks"]), seed=result["seed"]), "success")
    return _spot_checks_page(user, result)


def _spot_checks_page(user: User, result: dict[str, Any] | None) -> str:
    rounds = sup.list_spot_checks(ro_uow(), user)
    return render_template("supervision/spot_checks.html", rounds=rounds, result=result,
                           people=views.display_names(ro_uow(), {r["started_by"] for r in rounds}))


@bp.get("/supervision/revocations")
def supervision_public_revocations():
    """Public (Art. 20, 22): revoked titles, with article and reason."""
    return render_template("supervision/revocations.html", revocations=sup.list_revocations(ro_uow(), public=True))
