"""Pages and downloads of the documents area: 附件1/附件2 (PDF, Word), the bound dossier, the
certificate, the public notices (Art. 13, 14, 20, 21) and the list exports.

Routes only translate HTTP into one call of ``processes.documents``; a document the user may not see
is 404. Files are streamed from the cache on disk (``send_file``), never built in the response.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, runtime
from processes.documents import exports, public, services
from processes.documents.services import DocumentFile
from processes.errors import DomainError

bp = Blueprint("documents", __name__)
ATTACH = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)


def send_document(doc: DocumentFile) -> Any:
    """The file, streamed; PDFs open in the browser, Word files download (UTF-8 file names)."""
    return send_file(doc.path, mimetype=doc.mime, download_name=doc.download_name,
                     as_attachment=doc.mime in ATTACH, conditional=True, max_age=0)


def send_download(d: exports.Download) -> Any:

    return send_file(io.BytesIO(d.data), mimetype=d.mime, download_name=d.download_name, as_attachment=True,
                     max_age=0)


def _actor():  # type: ignore[no-untyped-def]
    return actor_of(current_user.user)


@bp.app_context_processor
def _document_helpers() -> dict[str, Any]:
    def documents_for(business_key: str | None) -> dict[str, bool]:
        """Which of the application's documents the current user can open (links on the task page)."""
        if not business_key or not current_user.is_authenticated:
            return {}
        try:
            return services.available_documents(ro_uow(), _actor(), business_key)
        except DomainError:
            return {}

    def certificate_links(entry_ids: list[int]) -> set[int]:
        actor = _actor() if current_user.is_authenticated else None
        return public.certificate_links(ro_uow(), actor, entry_ids)

    def documents_year() -> int:
        """The current round's year (Beijing date of the runtime clock)."""

        return services.today_of(runtime().now()).year

    return {"documents_for": documents_for, "certificate_links": certificate_links, "documents_year": documents_year}


# -- one application's documents (login) -------------------------------------------------------------

@bp.get("/applications/<business_key>/documents/<any(m01, m02):mkey>.<any(pdf, docx):fmt>")
@login_required
def application_document(business_key: str, mkey: str, fmt: str):
    return send_document(services.application_document(ro_uow(), _actor(), business_key, mkey, fmt))


@bp.get("/applications/<business_key>/dossier.pdf")
@login_required
def dossier(business_key: str):
    return send_document(services.dossier(ro_uow(), _actor(), business_key))


@bp.get("/register/<int:entry_id>/certificate.pdf")
@login_required
def certificate(entry_id: int):
    return send_document(public.certificate(ro_uow(), _actor(), entry_id))


# -- public: the register entry and the notices ---------------------------------------------------------

@bp.get("/public/register/<int:entry_id>")
def register_entry(entry_id: int):
    entry = public.register_entry(ro_uow(), entry_id)
    may = public.certificate_links(ro_uow(), _actor() if current_user.is_authenticated else None, [entry_id])
    return render_template("documents/register_entry.html", entry=entry, may_download=entry_id in may)


@bp.get("/public/notices")
def notices():
    return render_template("documents/notices.html", publicity=public.publicity_notices(ro_uow()),
                           rounds=public.rounds_with_grants(ro_uow()), revocations=public.revocation_notices(ro_uow()))


@bp.get("/public/notices/publicity/<start>")
def publicity_notice(start: str):
    return render_template("documents/notice.html", kind="publicity", n=public.publicity_notice(ro_uow(), start),
                           pdf=f"/public/notices/publicity/{start}.pdf")


@bp.get("/public/notices/publicity/<start>.pdf")
def publicity_notice_pdf(start: str):
    return send_document(public.publicity_notice_pdf(ro_uow(), start))


@bp.get("/public/notices/rounds/<int:year>")
def round_list(year: int):
    return render_template("documents/notice.html", kind="round", n=public.round_list(ro_uow(), year),
                           pdf=f"/public/notices/rounds/{year}.pdf")


@bp.get("/public/notices/rounds/<int:year>.pdf")
def round_list_pdf(year: int):
    return send_document(public.round_list_pdf(ro_uow(), year))


@bp.get("/public/notices/revocations/<int:revocation_id>")
def revocation_notice(revocation_id: int):
    return render_template("documents/notice.html", kind="revocation",
                           n=public.revocation_notice(ro_uow(), revocation_id),
                           pdf=f"/public/notices/revocations/{revocation_id}.pdf")


@bp.get("/public/notices/revocations/<int:revocation_id>.pdf")
def revocation_notice_pdf(revocation_id: int):
    return send_document(public.revocation_notice_pdf(ro_uow(), revocation_id))


# -- exports ---------------------------------------------------------------------------------------------

@bp.get("/public/register.<any(xlsx, csv):fmt>")
def register_export(fmt: str):
    return send_download(exports.to_file(exports.register_table(ro_uow()), fmt))


@bp.get("/exports/rounds/<int:year>/applications.<any(xlsx, csv):fmt>")
@login_required
def round_export(year: int, fmt: str):
    return send_download(exports.to_file(exports.round_applications_table(ro_uow(), _actor(), year), fmt))


@bp.get("/exports/quarterly-compliance.<any(xlsx, csv):fmt>")
@login_required
def compliance_export(fmt: str):
    year = int(request.args["year"]) if request.args.get("year", "").isdigit() else None
    return send_download(exports.to_file(exports.compliance_table(ro_uow(), _actor(), year), fmt))


@bp.get("/exports/tasks/<any(mine, claimable, done, copied):which>.<any(xlsx, csv):fmt>")
@login_required
def task_export(which: str, fmt: str):
    table = exports.task_list_table(ro_uow(), current_user.user, which, request.args)
    return send_download(exports.to_file(table, fmt))
