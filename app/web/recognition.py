"""Pages of the recognition area: the application's materials (Art. 12) — upload in place, open in
the browser, download —, the applicant's check before submitting, the rounds (Art. 15, 23)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, uow
from app.web.forms import form_values, json_errors, wants_json
from processes import queries
from processes.access import Permission, allowed
from processes.errors import DomainError, NotFound
from processes.recognition import precheck as prechecks
from processes.recognition import services as recognition
from processes.recognition import views
from processes.tasks import verbs

bp = Blueprint("recognition", __name__)
INLINE = ("application/pdf", "image/jpeg", "image/png")


def _user() -> Any:
    return current_user.user


def _material_json(business_key: str, mkey: str) -> dict[str, Any]:
    listing = views.materials_view(ro_uow(), actor_of(_user()), business_key) or {"items": []}
    item = next((m for m in listing["items"] if m["mkey"] == mkey), None)
    return {"mkey": mkey, "name": item["name"] if item else mkey, "file": item["file"] if item else None,
            "view_url": url_for("recognition.material_file", business_key=business_key, mkey=mkey),
            "download_url": url_for("recognition.material_file", business_key=business_key, mkey=mkey, download=1),
            "missing": [m["mkey"] for m in listing["items"] if not m["system"] and not m["file"]]}


@bp.post("/applications/<business_key>/materials/<mkey>")
@login_required
def material_upload(business_key: str, mkey: str) -> ResponseReturnValue:
    """Art. 12: upload one material. The page's script sends it in place (fetch, JSON answer: the
    material as listed, what is still missing) so nothing typed in the form is lost; without the
    script the page comes back with a message."""
    as_json = wants_json()
    nxt = request.form.get("next", "")
    back = nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("home.home")
    f = request.files.get("file")
    if f is None or not f.filename:
        message = f"{mkey}：请选择要上传的 PDF、JPEG 或 PNG 文件"
        if as_json:
            return jsonify({"error": message}), 422
        flash(message, "error")
        return redirect(back)
    try:
        view = recognition.upload_material(uow(), actor_of(_user()), business_key, mkey, f.filename, f.read())
    except NotFound:
        raise
    except DomainError as exc:
        if as_json:
            return jsonify({"error": f"{exc.message}"}), exc.status
        flash(f"{mkey}：{exc.message}", "error")
        return redirect(back)
    message = f"已上传 {view['name']}：{view['file_name']}"
    if as_json:
        return jsonify({"message": message, "material": _material_json(business_key, mkey)}), 201
    flash(message, "ok")
    return redirect(back + "#materials")


@bp.get("/applications/<business_key>/materials/<mkey>")
@login_required
def material_file(business_key: str, mkey: str) -> ResponseReturnValue:
    """A material, for the applicant, the application's county, the bureau and the experts on its
    panel (404 for everyone else): PDFs and images open in the browser, ``?download=1`` saves it."""
    stream, mime, name = recognition.material_file(ro_uow(), actor_of(_user()), business_key, mkey)
    download = request.args.get("download") in ("1", "true")
    resp = send_file(stream, mimetype=mime, download_name=name, as_attachment=download or mime not in INLINE,
                     conditional=True, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/applications/<business_key>/precheck")
@login_required
def application_precheck(business_key: str) -> ResponseReturnValue:
    """The applicant's check before submitting (docs/DOMAIN.md §2): the form as it stands on the
    page (not saved) — format errors beside the fields (the form's own checks on what is filled in)
    and the Art. 7 / Art. 8 checks and the bars to applying, rule by rule with the article, the same
    use case as ``POST /api/v1/applications/<bk>/precheck``. JSON: ``{html, errors, passed}``."""
    task_id = request.form.get("task_id", "")
    user = _user()
    fields = queries.task_fields(ro_uow(), user, task_id)
    values, errors = verbs.check_draft(ro_uow(), actor_of(user), task_id, form_values(fields))
    result = prechecks.precheck(ro_uow(), actor_of(user), business_key, values)
    checks = views.checks_view(result["results"])
    listing = views.materials_view(ro_uow(), actor_of(user), business_key) or {"items": []}
    missing = [m for m in listing["items"] if not m["system"] and not m["file"]]
    html = render_template("recognition/_precheck.html", checks=checks, passed=result["passed"],
                           errors=errors, missing=missing)
    return jsonify({"html": html, "errors": json_errors(errors), "passed": result["passed"] and not errors
                    and not missing})


@bp.get("/rounds")
@login_required
def rounds_page():
    """Art. 15 rounds and Art. 23: the measure each applies, and a warning while none is in force."""
    return render_template("recognition/rounds.html", rounds=recognition.list_rounds(ro_uow()),
                           status=recognition.measure_status(ro_uow()),
                           may_open=allowed(_user(), Permission.OPEN_ROUND))


@bp.post("/rounds")
@login_required
def rounds_open():
    f = request.form
    measure = {k: f.get(f"measure_{k}", "").strip() for k in ("title", "number", "effective_from", "effective_to")}
    try:
        year = int(f.get("year", "0"))
        view = recognition.open_round(uow(), actor_of(_user()), year, f.get("submission_deadline", ""),
                                      f.get("name") or None, f.get("opens_on") or None,
                                      measure if any(measure.values()) else None)
        flash(gettext("已开设 %(name)s（适用%(measure)s）", name=view["name"], measure=view["measure"]["number"]), "ok")
    except (DomainError, ValueError) as exc:
        flash(getattr(exc, "message", str(exc)), "error")
    return redirect(url_for("recognition.rounds_page"))
