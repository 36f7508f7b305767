"""Use cases: 附件1 and 附件2 (PDF, Word), the bound dossier and the certificate of one application.

Each public function is one unit of work: it reads what it needs inside ``with uow:`` (the access
check included) and renders outside it, into the cache under ``<instance>/documents/``. A document
is 404 (NotFound) for anyone who may not see the application: only its applicant, the officers of
its county, the bureau (municipal_reviewer, admin) and the experts on its panel may (Art. 11–13).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from handlers.recognition_steps import MATERIALS, SYSTEM_MATERIALS
from processes.access import may_see_application
from processes.db import UnitOfWork
from processes.documents import forms, labels, word
from processes.documents.cache import cached, key_of, shared_in
from processes.documents.dossier import Part, build_dossier
from processes.documents.fonts import font_path
from processes.documents.render import render_pdf, template_version
from processes.engine.runtime import instance_variables
from processes.errors import NotFound
from processes.messages import t
from processes.models import AuditEntry, ProcessInstance, User
from processes.recognition.models import Application, Material
from processes.recognition.services import panel_of
from processes.services.core import Actor, load_for_reading
from processes.services.users import counties
from processes.storage import NotStored

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BUREAU = ("municipal_reviewer", "admin")
NOT_SUBMITTED = ("draft", "ineligible", "withdrawn")
WORD_VERSION = "1"
DOCUMENT_NAMES = {"m01": "推荐表（附件1）", "m02": "申请报告（附件2）"}


@dataclass(frozen=True)
class DocumentFile:
    """A generated file to send: where it is, its type and the name the user sees."""

    path: Path
    mime: str
    download_name: str


@dataclass
class _Snapshot:
    """What one application's documents are built from, read in one unit of work."""

    business_key: str
    status: str
    unit_name: str
    county: str
    data: dict[str, Any]
    profiles: dict[str, dict[str, str]]
    materials: list[dict[str, Any]]


@cache
def _county_names_of(config_dir: str) -> dict[str, str]:

    return {c["code"]: c["name"] for c in counties(config_dir)}


def county_names(uow: UnitOfWork) -> dict[str, str]:
    return _county_names_of(str(uow.runtime.settings.config_dir))


def documents_root(uow: UnitOfWork) -> Path:
    return Path(uow.runtime.settings.instance_path) / "documents"


def shared(uow: UnitOfWork, folder: Path) -> Any:
    """The object store behind a cache folder (several web hosts), or None (processes/storage.py)."""
    return shared_in(uow.runtime.storage(), uow.runtime.settings.instance_path, folder)


def _font(uow: UnitOfWork) -> str:
    return str(uow.runtime.settings.document_font or "")


def _application(uow: UnitOfWork, business_key: str) -> Application:
    app = uow.s.scalars(select(Application).where(Application.business_key == business_key)).first()
    if app is None:
        raise NotFound(t("没有编号为 {key} 的申报", key=business_key), code="application_not_found")
    return app


def may_see(uow: UnitOfWork, actor: Actor, app: Application) -> bool:
    """The applicant of the application, its county's officers, the bureau, the experts on its panel:
    the rule of its materials (``access.may_see_application``), one rule for pages, API and documents."""
    return may_see_application(actor, app.county, app.applicant_id, panel_of(uow, app))


def _instance_data(uow: UnitOfWork, app: Application) -> dict[str, Any]:
    inst = uow.s.get(ProcessInstance, app.instance_id)
    data: dict[str, Any] = {}
    if inst is not None and inst.workflow:
        data = dict(instance_variables(load_for_reading(uow, inst)))
    data["county"] = app.county or data.get("county")
    if app.unit_name:
        data["unit_name"] = app.unit_name
    if app.submitted_at is not None and not data.get("submitted_at"):
        data["submitted_at"] = app.submitted_at.isoformat()
    decided = uow.s.scalar(select(AuditEntry.at).where(
        AuditEntry.instance_id == app.instance_id, AuditEntry.action == "task.completed",
        AuditEntry.element_id == "county_review").order_by(AuditEntry.id.desc()).limit(1))
    if decided is not None:
        data["county_decided_at"] = decided.isoformat()
    return data


def _profiles(uow: UnitOfWork, data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    names = set(str(e) for e in data.get("experts") or [] if isinstance(e, str))
    names |= {str(r.get("expert")) for r in data.get("expert_reviews") or [] if isinstance(r, Mapping)}
    if not names:
        return {}
    rows = uow.s.scalars(select(User).where(User.username.in_(sorted(names))))
    return {u.username: {"display_name": u.display_name or u.username, "title": getattr(u, "title", "") or "",
                         "employer": getattr(u, "employer", "") or ""} for u in rows}


def _snapshot(uow: UnitOfWork, actor: Actor, business_key: str) -> _Snapshot:
    """Read the application for its documents (inside the caller's unit of work); 404 when hidden."""
    app = _application(uow, business_key)
    data = _instance_data(uow, app)
    if not may_see(uow, actor, app):
        raise NotFound(t("没有编号为 {key} 的申报", key=business_key), code="application_not_found")
    mats = uow.s.scalars(select(Material).where(Material.application_id == app.id).order_by(Material.mkey)).all()
    materials = [{"mkey": m.mkey, "file_name": m.file_name, "mime": m.mime, "sha256": m.sha256,
                  "key": m.storage_path,
                  "uploaded_at": m.uploaded_at.isoformat()}
                 for m in mats if m.mkey not in SYSTEM_MATERIALS]
    return _Snapshot(business_key=app.business_key, status=app.status, unit_name=app.unit_name or "",
                     county=app.county or "", data=data, profiles=_profiles(uow, data), materials=materials)


def _available(snap: _Snapshot, kind: str) -> bool:
    """附件2 and the dossier exist once the application is submitted; 附件1 from the county step on
    (filled in as the county and the experts act)."""
    return snap.status not in NOT_SUBMITTED


def available_documents(uow: UnitOfWork, actor: Actor, business_key: str) -> dict[str, bool]:
    """Which documents of the application the actor can open now (for links on the pages)."""
    with uow:
        app = _application(uow, business_key)
        visible = may_see(uow, actor, app)
        ready = visible and app.status not in NOT_SUBMITTED
        return {"m01": ready, "m02": ready, "dossier": ready}


def _download_name(snap: _Snapshot, what: str, suffix: str) -> str:
    return f"{snap.unit_name or snap.business_key}-{what}{suffix}"


def _generated(uow: UnitOfWork, snap: _Snapshot, mkey: str, fmt: str) -> DocumentFile:
    names = county_names(uow)
    if mkey == "m01":
        ctx = forms.recommendation_context(snap.data, names, snap.profiles)
        template = "annex1.html"
    else:
        ctx = forms.application_context(snap.data, names)
        template = "annex2.html"
    folder = documents_root(uow) / snap.business_key
    what = DOCUMENT_NAMES[mkey]
    if fmt == "docx":

        build = word.annex1_docx if mkey == "m01" else word.annex2_docx
        path = cached(folder, mkey, key_of(WORD_VERSION, ctx), ".docx", lambda p: p.write_bytes(build(ctx)),
                      shared(uow, folder))
        return DocumentFile(path, DOCX, _download_name(snap, what, ".docx"))
    font = _font(uow)
    title = f"{snap.unit_name} {what}"
    path = cached(folder, mkey, key_of(template_version(), font, ctx), ".pdf",
                  lambda p: p.write_bytes(render_pdf(template, ctx, font, title)), shared(uow, folder))
    return DocumentFile(path, PDF, _download_name(snap, what, ".pdf"))


def application_document(uow: UnitOfWork, actor: Actor, business_key: str, mkey: str, fmt: str) -> DocumentFile:
    """附件1 推荐表 (m01, Art. 11) or 附件2 申请报告 (m02, Art. 12) as PDF or Word (.docx)."""
    if mkey not in DOCUMENT_NAMES or fmt not in ("pdf", "docx"):
        raise NotFound(t("没有这个文档"), code="document_not_found")
    with uow:
        snap = _snapshot(uow, actor, business_key)
    if not _available(snap, mkey):
        raise NotFound(t("{name}在提交申报后生成", name=DOCUMENT_NAMES[mkey]), code="document_not_ready")
    return _generated(uow, snap, mkey, fmt)


def contents_renderer(unit_name: str, county: str, business_key: str, updated_on: str,
                      font: str = "") -> Callable[[list[Any], int], bytes]:
    """The dossier's contents page(s), given the parts with their page numbers."""
    def render(parts: list[Any], _contents_pages: int) -> bytes:
        return render_pdf("contents.html", {"title": labels.TITLE, "unit_name": unit_name, "county": county,
                                            "business_key": business_key, "bound_on": updated_on, "parts": parts,
                                            "measure": labels.MEASURE}, font, f"{unit_name} 申报材料")
    return render


def dossier(uow: UnitOfWork, actor: Actor, business_key: str) -> DocumentFile:
    """Art. 12: the dossier "按照下列顺序装订成册" — contents, 附件1, 附件2, materials 3–13 as uploaded."""

    with uow:
        snap = _snapshot(uow, actor, business_key)
    if not _available(snap, "dossier"):
        raise NotFound(t("申报材料装订本在提交申报后生成"), code="document_not_ready")
    m01 = _generated(uow, snap, "m01", "pdf")
    m02 = _generated(uow, snap, "m02", "pdf")
    uploads = {m["mkey"]: m for m in snap.materials}
    font = _font(uow)
    county = labels.county_name(snap.county, county_names(uow))
    changed = max([str(snap.data.get("submitted_at") or "")] + [m["uploaded_at"] for m in snap.materials])
    updated_on = labels.cn_date(changed)
    key = key_of(template_version(), font, m01.path.name, m02.path.name, snap.unit_name, county, updated_on,
                 [(m["mkey"], m["sha256"], m["mime"]) for m in snap.materials])

    def build(target: Path) -> None:
        parts = [Part("m01", MATERIALS["m01"], m01.path), Part("m02", MATERIALS["m02"], m02.path)]
        for mkey, name in MATERIALS.items():
            if mkey in SYSTEM_MATERIALS:
                continue
            m = uploads.get(mkey)
            path = _material_path(uow, m["key"]) if m else None
            parts.append(Part(mkey, name, path, m["mime"] if m else PDF, m["file_name"] if m else ""))
        build_dossier(parts, snap.unit_name or snap.business_key, target, font_path(font),
                      contents_renderer(snap.unit_name, county, snap.business_key, updated_on, font),
                      title=f"{snap.unit_name} 申报材料")

    folder = documents_root(uow) / snap.business_key
    path = cached(folder, "dossier", key, ".pdf", build, shared(uow, folder))
    return DocumentFile(path, PDF, _download_name(snap, "申报材料", ".pdf"))


def _material_path(uow: UnitOfWork, key: str) -> Path | None:
    """An uploaded material as a local file (fetched from the object store if need be); None if missing."""
    try:
        return uow.runtime.storage().local_path(key)
    except NotStored:
        return None


def today_of(now: datetime) -> date:
    return now.astimezone(labels.BEIJING).date()


def today(uow: UnitOfWork) -> date:
    return today_of(uow.runtime.now())
