"""JSON API of the documents area under /api/v1: the files themselves (PDF, DOCX, XLSX, CSV) with
their Content-Type and a UTF-8 Content-Disposition. Errors are JSON like the rest of the API."""

from __future__ import annotations

from flask import request

from app.api.common import auth_required, legacy_blueprint
from app.api.common import public as public_route
from app.extensions import actor_of, current_actor_user, ro_uow
from app.web.documents import send_document, send_download
from processes.documents import exports, public, services
from processes.services.core import Actor

bp = legacy_blueprint("documents")


def _actor() -> Actor:
    return actor_of(current_actor_user())


@bp.get("/applications/<business_key>/documents/<any(m01, m02):mkey>.<any(pdf, docx):fmt>")
@auth_required
def application_document(business_key: str, mkey: str, fmt: str):
    return send_document(services.application_document(ro_uow(), _actor(), business_key, mkey, fmt))


@bp.get("/applications/<business_key>/dossier.pdf")
@auth_required
def dossier(business_key: str):
    return send_document(services.dossier(ro_uow(), _actor(), business_key))


@bp.get("/register/<int:entry_id>/certificate.pdf")
@auth_required
def certificate(entry_id: int):
    return send_document(public.certificate(ro_uow(), _actor(), entry_id))


@bp.get("/notices/publicity/<start>.pdf")
@public_route
def publicity_notice(start: str):
    return send_document(public.publicity_notice_pdf(ro_uow(), start))


@bp.get("/notices/rounds/<int:year>.pdf")
@public_route
def round_list(year: int):
    return send_document(public.round_list_pdf(ro_uow(), year))


@bp.get("/notices/revocations/<int:revocation_id>.pdf")
@public_route
def revocation_notice(revocation_id: int):
    return send_document(public.revocation_notice_pdf(ro_uow(), revocation_id))


@bp.get("/exports/register.<any(xlsx, csv):fmt>")
@public_route
def register_export(fmt: str):
    return send_download(exports.to_file(exports.register_table(ro_uow()), fmt))


@bp.get("/exports/rounds/<int:year>/applications.<any(xlsx, csv):fmt>")
@auth_required
def round_export(year: int, fmt: str):
    return send_download(exports.to_file(exports.round_applications_table(ro_uow(), _actor(), year), fmt))


@bp.get("/exports/quarterly-compliance.<any(xlsx, csv):fmt>")
@auth_required
def compliance_export(fmt: str):
    year = int(request.args["year"]) if request.args.get("year", "").isdigit() else None
    return send_download(exports.to_file(exports.compliance_table(ro_uow(), _actor(), year), fmt))


@bp.get("/exports/tasks/<any(mine, claimable, done, copied):which>.<any(xlsx, csv):fmt>")
@auth_required
def task_export(which: str, fmt: str):
    table = exports.task_list_table(ro_uow(), current_actor_user(), which, request.args)
    return send_download(exports.to_file(table, fmt))
