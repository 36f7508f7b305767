"""Public pages, no login (Art. 13, 14, 22): platforms in publicity, the objection form, the register.

Data comes from the recognition area's services (processes/recognition/services.py). Personal data
never appears here: only unit names, counties, dates and certificate numbers.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.extensions import ro_uow, uow
from processes.errors import DomainError, Invalid
from processes.recognition import services as recognition
from processes.recognition import views
from processes.services.core import Actor

bp = Blueprint("public", __name__)



def in_publicity() -> list[dict[str, Any]]:
    """Art. 13: every platform whose publicity period runs, objections under investigation or not:
    unit, credit code, county, the period (from the day after publication), the notice."""
    return views.publicity_list(ro_uow())


@bp.get("/public/")
def public_publicity():
    return render_template("public/publicity.html", items=in_publicity())


@bp.get("/public/register")
def public_register():
    status = request.args.get("status") or None
    items = recognition.list_register(ro_uow(), status=status)
    return render_template("public/register.html", items=items, status=status)


@bp.get("/public/objection/<business_key>")
def public_objection(business_key: str):
    item = next((i for i in in_publicity() if i["business_key"] == business_key), None)
    return render_template("public/objection.html", item=item, business_key=business_key, values={}, errors={})


@bp.post("/public/objection/<business_key>")
def public_objection_post(business_key: str):
    item = next((i for i in in_publicity() if i["business_key"] == business_key), None)
    values = {k: request.form.get(k, "") for k in ("name", "contact", "reasons")}
    # per-address limits (app/security.py RATE_LIMITS, shared with the JSON endpoint)
    try:
        upload = request.files.get("attachment")
        attachment = (upload.filename or "", upload.read()) if upload is not None and upload.filename else None
        result = recognition.file_objection(uow(), business_key, values["name"], values["contact"], values["reasons"],
                                    attachment)
    except Invalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.get("field", "_form"), []).append(e.get("message", ""))
        return render_template("public/objection.html", item=item, business_key=business_key, values=values,
                               errors=errors or {"_form": [exc.message]}), 422
    except DomainError as exc:  # publicity over, already under investigation, unknown key
        return render_template("public/objection.html", item=item, business_key=business_key, values=values,
                               errors={"_form": [exc.message]}, closed=True), exc.status
    receipt = views.receipt_for(ro_uow(), int(result["objection_id"]))
    flash(result.get("message", "异议已受理"), "ok")
    return redirect(url_for("public.objection_receipt", receipt=receipt))


@bp.get("/public/objections/<receipt>")
def objection_receipt(receipt: str):
    """Art. 13, 22: the objector's receipt: the number to quote, and where the investigation stands."""
    return render_template("public/receipt.html", o=views.objection_by_receipt(ro_uow(), receipt))


@bp.get("/public/objections")
def objection_lookup():
    """Look an objection up by its receipt number (no login; no personal data is shown)."""
    receipt = request.args.get("receipt", "").strip()
    if receipt:
        try:
            return redirect(url_for("public.objection_receipt",
                                    receipt=views.objection_by_receipt(ro_uow(), receipt)["receipt"]))
        except DomainError as exc:
            return render_template("public/lookup.html", receipt=receipt, error=exc.message), 404
    return render_template("public/lookup.html", receipt="", error=None)


@bp.get("/applications/<business_key>/objection-attachments/<sha256>")
@login_required
def objection_attachment_download(business_key: str, sha256: str):
    """The objector's attachment, for the bureau's investigation (login; reviewers and admins only)."""
    path, mime, name = recognition.objection_attachment(ro_uow(), Actor.of(current_user.user), business_key, sha256)
    return send_file(path, mimetype=mime, download_name=name, as_attachment=True)
