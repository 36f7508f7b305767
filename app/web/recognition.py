"""Pages of the recognition area: the application's materials (Art. 12) on the task page, uploads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, uow
from handlers.recognition_steps import MATERIALS, SYSTEM_MATERIALS
from processes.access import Permission, allowed
from processes.errors import DomainError, NotFound
from processes.recognition import services as recognition

bp = Blueprint("recognition", __name__)


def _user() -> Any:
    return current_user.user


def materials_of(business_key: str | None) -> dict[str, Any] | None:
    """The 13 materials of a recognition application (Art. 12), as the task page lists them."""
    if not business_key:
        return None
    try:
        listing = recognition.list_materials(ro_uow(), actor_of(_user()), business_key)
    except DomainError:
        return None
    have = {m["mkey"]: m for m in listing["materials"]}
    items = [{"mkey": k, "name": name, "system": k in SYSTEM_MATERIALS, "file": have.get(k)}
             for k, name in MATERIALS.items()]
    return {"business_key": business_key, "items": items}


@bp.post("/applications/<business_key>/materials/<mkey>")
@login_required
def material_upload(business_key: str, mkey: str):
    nxt = request.form.get("next", "")
    back = nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("home.home")
    f = request.files.get("file")
    if f is None or not f.filename:
        flash(f"{mkey}：请选择要上传的 PDF、JPEG 或 PNG 文件", "error")
        return redirect(back)
    try:
        view = recognition.upload_material(uow(), actor_of(_user()), business_key, mkey, f.filename, f.read())
    except NotFound:
        raise
    except DomainError as exc:
        flash(f"{mkey}：{exc.message}", "error")
        return redirect(back)
    flash(f"已上传 {view['name']}：{view['file_name']}", "ok")
    return redirect(back + "#materials")


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
        flash(f"已开设 {view['name']}（适用{view['measure']['number']}）", "ok")
    except (DomainError, ValueError) as exc:
        flash(getattr(exc, "message", str(exc)), "error")
    return redirect(url_for("recognition.rounds_page"))
