"""JSON API of the recognition procedure: rounds, applications, materials, objections, register."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, send_file

from app.api.common import auth_required, legacy_blueprint, public
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes.errors import Invalid
from processes.recognition import precheck as checks
from processes.recognition import services as rec

bp = legacy_blueprint("recognition")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", [{"field": "body", "message": "应为 JSON 对象"}])
    return data


@bp.get("/rounds")
@auth_required
def list_rounds():
    return jsonify(rec.list_rounds(ro_uow()))


@bp.post("/rounds")
@auth_required
def open_round():
    b = _body()
    try:
        year = int(b.get("year", 0))
    except (TypeError, ValueError):
        raise Invalid("year must be an integer", [{"field": "year", "message": "应为整数"}]) from None
    measure = b.get("measure")
    if measure is not None and not isinstance(measure, dict):
        raise Invalid("measure must be an object", [{"field": "measure", "message": "应为对象"}])
    view = rec.open_round(uow(), actor_of(current_actor_user()), year, str(b.get("submission_deadline", "")),
                          b.get("name"), b.get("opens_on"), measure)
    return jsonify(view), 201


@bp.get("/measures")
@auth_required
def measures():
    """Art. 23: the measure in force today, the known measures, and the warning while none is in force."""
    return jsonify(rec.measure_status(ro_uow()))


@bp.get("/applications")
@auth_required
def list_applications():
    return jsonify(rec.list_applications(ro_uow(), actor_of(current_actor_user()), request.args.get("status")))


@bp.get("/applications/<business_key>")
@auth_required
def get_application(business_key: str):
    return jsonify(rec.get_application(ro_uow(), actor_of(current_actor_user()), business_key))


@bp.get("/applications/<business_key>/materials")
@auth_required
def list_materials(business_key: str):
    return jsonify(rec.list_materials(ro_uow(), actor_of(current_actor_user()), business_key))


@bp.post("/applications/<business_key>/materials/<mkey>")
@auth_required
def upload_material(business_key: str, mkey: str):
    f = request.files.get("file")
    if f is None:
        raise Invalid("send the file as multipart field 'file'", [{"field": "file", "message": "缺少文件"}])
    view = rec.upload_material(uow(), actor_of(current_actor_user()), business_key, mkey, f.filename or "",
                               f.read())
    return jsonify(view), 201


@bp.get("/applications/<business_key>/materials/<mkey>")
@auth_required
def material_file(business_key: str, mkey: str):
    """The uploaded file, streamed from the object store (any web host serves it)."""
    stream, mime, name = rec.material_file(ro_uow(), actor_of(current_actor_user()), business_key, mkey)
    return send_file(stream, mimetype=mime, download_name=name, as_attachment=True)


@bp.post("/applications/<business_key>/draft")
@auth_required
def save_draft(business_key: str):
    b = _body()
    data = b.get("data", {})
    if not isinstance(data, dict):
        raise Invalid("data must be an object", [{"field": "data", "message": "应为对象"}])
    return jsonify(rec.save_draft(uow(), actor_of(current_actor_user()), business_key, data))


@bp.post("/applications/<business_key>/precheck")
@auth_required
def precheck(business_key: str):
    """Art. 7, 8 on the applicant's draft before submitting, rule by rule (read-only); the body may
    carry ``{"data": {...}}`` values not yet saved as a draft."""
    b = request.get_json(silent=True) or {}
    data = b.get("data", {}) if isinstance(b, dict) else {}
    if not isinstance(data, dict):
        raise Invalid("data must be an object", [{"field": "data", "message": "应为对象"}])
    return jsonify(checks.precheck(ro_uow(), actor_of(current_actor_user()), business_key, data))


@bp.post("/applications/<business_key>/withdraw")
@auth_required
def withdraw(business_key: str):
    b = request.get_json(silent=True) or {}
    reason = str(b.get("reason", "")) if isinstance(b, dict) else ""
    return jsonify(rec.withdraw_application(uow(), actor_of(current_actor_user()), business_key, reason))


@bp.post("/applications/<business_key>/objections")
@public
def file_objection(business_key: str):
    """Public (no login): Art. 13 objections during publicity."""
    b = _body()
    return jsonify(rec.file_objection(uow(), business_key, str(b.get("name", "")), str(b.get("contact", "")),
                                      str(b.get("reasons", "")))), 201


@bp.get("/applications/<business_key>/objections")
@auth_required
def objections(business_key: str):
    """Art. 13: the objections filed against an application and their decisions (the bureau)."""
    return jsonify(rec.objections_of(ro_uow(), actor_of(current_actor_user()), business_key))


@bp.get("/register")
@public
def register():
    """Public list of recognised platforms (Art. 14, 22)."""
    return jsonify(rec.list_register(ro_uow(), request.args.get("status"), request.args.get("credit_code")))


@bp.post("/register")
@auth_required
def add_register_entry():
    b = _body()
    view = rec.add_register_entry(uow(), actor_of(current_actor_user()), str(b.get("unit_name", "")),
                                  str(b.get("credit_code", "")), b.get("county"), str(b.get("status", "")),
                                  b.get("valid_from"), b.get("valid_to"), b.get("certificate_no"),
                                  b.get("revoked_on"), str(b.get("note", "")))
    return jsonify(view), 201


@bp.get("/applications/<business_key>/objection-attachments/<sha256>")
@auth_required
def objection_attachment(business_key: str, sha256: str):
    """The file an objector attached (Art. 13): the bureau only."""
    path, mime, name = rec.objection_attachment(ro_uow(), actor_of(current_actor_user()), business_key, sha256)
    return send_file(path, mimetype=mime, download_name=name, as_attachment=True)
