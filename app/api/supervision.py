"""Supervision API (Chapter 5): quarterly reports, aggregates, overdue list, inspections, spot checks,
revocations. Thin: parse, call one use case, render JSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from app.api.common import auth_required, int_arg, json_body, legacy_blueprint, public
from app.extensions import actor_of, current_actor_user, ro_uow, runtime, uow
from processes import queries
from processes.access import Permission, require
from processes.errors import Invalid
from processes.supervision import services as sup

bp = legacy_blueprint("supervision")


def _int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{name} must be an integer", [{"field": name, "message": "应为整数"}])
    return value


@bp.get("/supervision/reports")
@auth_required
def supervision_reports():
    a = request.args
    return jsonify(sup.list_reports(ro_uow(), current_actor_user(), int_arg("year", 0, 9999) or None,
                                    int_arg("quarter", 0, 4) or None, a.get("county"), a.get("status"),
                                    a.get("credit_code")))


@bp.post("/supervision/reports/<int:report_id>/chase")
@auth_required
def supervision_chase(report_id: int):
    body = request.get_json(silent=True) or {}
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    return jsonify(sup.chase_report(uow(), actor_of(current_actor_user()), report_id, message))


@bp.get("/supervision/aggregates")
@auth_required
def supervision_aggregates():
    return jsonify(sup.list_aggregates(ro_uow(), current_actor_user()))


@bp.get("/supervision/overdue")
@auth_required
def supervision_overdue():
    return jsonify(sup.overdue(ro_uow(), current_actor_user()))


@bp.get("/supervision/platforms")
@auth_required
def supervision_platforms():
    return jsonify(sup.supervised_platforms(ro_uow(), current_actor_user()))


@bp.get("/supervision/inspections")
@auth_required
def supervision_inspections():
    return jsonify(sup.list_inspections(ro_uow(), current_actor_user()))


@bp.post("/supervision/inspections")
@auth_required
def supervision_start_inspection():
    body = json_body()
    user = current_actor_user()
    inst = sup.start_inspection(uow(), actor_of(user), _int_field(body, "register_id"))
    return jsonify(queries.instance_summary(ro_uow(), user, inst.id)), 201


@bp.get("/supervision/spot-checks")
@auth_required
def supervision_spot_checks():
    return jsonify(sup.list_spot_checks(ro_uow(), current_actor_user()))


@bp.post("/supervision/spot-checks")
@auth_required
def supervision_start_spot_check():
    body = json_body()
    seed = body.get("seed")
    if seed is not None and not isinstance(seed, str | int):
        raise Invalid("seed must be a string", [{"field": "seed", "message": "应为字符串"}])
    result = sup.start_spot_check(uow(), actor_of(current_actor_user()), _int_field(body, "n"),
                                  str(seed) if seed not in (None, "") else None)
    return jsonify(result), 201


@bp.get("/supervision/revocations")
@public
def supervision_revocations():
    """Art. 20: the results are published on the bureau's website (confirmed revocations, public)."""
    return jsonify(sup.list_revocations(ro_uow(), public=True))


@bp.get("/supervision/revocation-requests")
@auth_required
def supervision_revocation_requests():
    """Every revocation request the user may see (requested / confirmed / rejected), with who decided."""
    return jsonify(sup.list_revocations(ro_uow(), current_actor_user()))


@bp.post("/supervision/revocations")
@auth_required
def supervision_revoke():
    body = json_body()
    result = sup.revoke(uow(), actor_of(current_actor_user()), _int_field(body, "register_id"),
                        str(body.get("article", "")), str(body.get("reason", "")), str(body.get("source") or "other"))
    return jsonify(result), 201


@bp.post("/supervision/jobs/run")
@auth_required
def supervision_run_jobs():
    """What the scheduler runs (admin, for demos): start quarters, expire, chase, close rounds."""
    require(current_actor_user(), Permission.RUN_JOBS)
    return jsonify(sup.run_supervision_jobs(runtime()))
