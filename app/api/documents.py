"""JSON API of the documents area under /api/v1: the files themselves (PDF, DOCX, XLSX, CSV) with
their Content-Type and a UTF-8 Content-Disposition. Errors are JSON like the rest of the API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.common import MAX_ID, api_blueprint, binary, errors
from app.api.common import public as public_route
from app.extensions import actor_of, current_actor_user, ro_uow
from app.web.documents import send_document, send_download
from processes.documents import exports, public, services
from processes.services.core import Actor
from processes.vocabulary import TaskList

bp = api_blueprint("documents", "文档与导出")

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = exports.XLSX
CSV = "text/csv"
SPREADSHEET = binary("the table as Excel (.xlsx) or CSV (UTF-8 with BOM)", XLSX, CSV)


# -- models ------------------------------------------------------------------------------------------------

class ApplicationPath(BaseModel):
    business_key: str = Field(min_length=1, max_length=128)


class DocumentPath(ApplicationPath):
    mkey: Literal["m01", "m02"] = Field(description="m01 附件1 推荐表, m02 附件2 申请报告")
    fmt: Literal["pdf", "docx"]


class EntryPath(BaseModel):
    entry_id: int = Field(ge=1, le=MAX_ID, description="register entry id")


class PublicityPath(BaseModel):
    start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="the day it was published, YYYY-MM-DD")


class RoundYearPath(BaseModel):
    year: int = Field(ge=1900, le=2200)


class RevocationPath(BaseModel):
    revocation_id: int = Field(ge=1, le=MAX_ID)


class FormatPath(BaseModel):
    fmt: Literal["xlsx", "csv"]


class RoundExportPath(FormatPath, RoundYearPath):
    pass


class TaskExportPath(FormatPath):
    which: TaskList


class ComplianceQuery(BaseModel):
    year: int | None = Field(None, ge=1900, le=2200)


class TaskExportQuery(BaseModel):
    process: str | None = Field(None, max_length=128)
    round: str | None = Field(None, max_length=8, description="the year of the annual round")
    county: str | None = Field(None, max_length=32)
    overdue: bool = False
    sort: Literal["due", "-due", "created", "-created", "name", "process"] = "due"


def _actor() -> Actor:
    return actor_of(current_actor_user())


# -- routes -----------------------------------------------------------------------------------------------

@bp.get("/applications/<business_key>/documents/<any(m01, m02):mkey>.<any(pdf, docx):fmt>",
        summary="附件1 推荐表或附件2 申请报告（PDF 或 Word）",
        responses={200: binary("the document", PDF, DOCX), **errors(404)})
def application_document(path: DocumentPath) -> Any:
    return send_document(services.application_document(ro_uow(), _actor(), path.business_key, path.mkey, path.fmt))


@bp.get("/applications/<business_key>/dossier.pdf", summary="申报材料装订本（PDF）",
        responses={200: binary("the bound dossier", PDF), **errors(404)})
def dossier(path: ApplicationPath) -> Any:
    return send_document(services.dossier(ro_uow(), _actor(), path.business_key))


@bp.get("/register/<int:entry_id>/certificate.pdf", summary="示范平台证书（PDF）",
        responses={200: binary("the certificate", PDF), **errors(404)})
def certificate(path: EntryPath) -> Any:
    return send_document(public.certificate(ro_uow(), _actor(), path.entry_id))


@bp.get("/notices/publicity/<start>.pdf", summary="拟认定名单公示（PDF，公开）", security=[],
        responses={200: binary("the publicity notice", PDF), **errors(404)})
@public_route
def publicity_notice(path: PublicityPath) -> Any:
    return send_document(public.publicity_notice_pdf(ro_uow(), path.start))


@bp.get("/notices/rounds/<int:year>.pdf", summary="年度认定名单（PDF，公开）", security=[],
        responses={200: binary("the list of platforms recognised in the round", PDF), **errors(404)})
@public_route
def round_list(path: RoundYearPath) -> Any:
    return send_document(public.round_list_pdf(ro_uow(), path.year))


@bp.get("/notices/revocations/<int:revocation_id>.pdf", summary="撤销公告（PDF，公开）", security=[],
        responses={200: binary("the revocation notice", PDF), **errors(404)})
@public_route
def revocation_notice(path: RevocationPath) -> Any:
    return send_document(public.revocation_notice_pdf(ro_uow(), path.revocation_id))


@bp.get("/exports/register.<any(xlsx, csv):fmt>", summary="导出示范平台名录（公开）", security=[],
        responses={200: SPREADSHEET, **errors(404)})
@public_route
def register_export(path: FormatPath) -> Any:
    return send_download(exports.to_file(exports.register_table(ro_uow()), path.fmt))


@bp.get("/exports/rounds/<int:year>/applications.<any(xlsx, csv):fmt>", summary="导出年度批次的申报",
        responses={200: SPREADSHEET, **errors(403, 404)})
def round_export(path: RoundExportPath) -> Any:
    return send_download(exports.to_file(exports.round_applications_table(ro_uow(), _actor(), path.year), path.fmt))


@bp.get("/exports/quarterly-compliance.<any(xlsx, csv):fmt>", summary="导出季度报告按时报送情况",
        responses={200: SPREADSHEET, **errors(403, 404)})
def compliance_export(path: FormatPath, query: ComplianceQuery) -> Any:
    return send_download(exports.to_file(exports.compliance_table(ro_uow(), _actor(), query.year), path.fmt))


@bp.get("/exports/tasks/<any(mine, claimable, done, copied):which>.<any(xlsx, csv):fmt>",
        summary="导出待办、待认领、已办或抄送我的列表", responses={200: SPREADSHEET, **errors(404)})
def task_export(path: TaskExportPath, query: TaskExportQuery) -> Any:
    filters = {"process": query.process or "", "round": query.round or "", "county": query.county or "",
               "overdue": "1" if query.overdue else "", "sort": query.sort}
    table = exports.task_list_table(ro_uow(), current_actor_user(), path.which, filters)
    return send_download(exports.to_file(table, path.fmt))
