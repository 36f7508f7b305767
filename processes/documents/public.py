"""The certificate (Art. 14, 17) and the notices published on the bureau's website: the publicity
notice (Art. 13), the list of recognised platforms of a round (Art. 14), revocations (Art. 20, 21).

Public pages show names, counties, dates and certificate numbers only — no personal data (Art. 22).
Each function reads in one unit of work and renders outside it into the cache.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import segno
from sqlalchemy import select

from handlers.certificates import validity_expired
from processes.calendar.functions import current_calendar
from processes.db import UnitOfWork
from processes.documents import labels
from processes.documents.cache import cached, key_of
from processes.documents.render import render_pdf, template_version
from processes.documents.services import BUREAU, PDF, DocumentFile, county_names, documents_root, shared, today
from processes.errors import NotFound
from processes.messages import t
from processes.recognition.models import Application, PlatformRegister, RecognitionRound
from processes.services.core import Actor
from processes.supervision.models import Revocation

PUBLISHED_STATUSES = ("publicity", "objection", "granted", "objection_upheld")


def _base_url(uow: UnitOfWork) -> str:
    return str(uow.runtime.settings.public_base_url or "http://127.0.0.1:5000").rstrip("/")


def register_url(uow: UnitOfWork, entry_id: int) -> str:
    """The public register entry a certificate's QR code opens."""
    return f"{_base_url(uow)}/public/register/{entry_id}"


def _entry_view(uow: UnitOfWork, e: PlatformRegister) -> dict[str, Any]:
    status = e.status
    if status == "recognised" and e.valid_to is not None and validity_expired(e.valid_to, today(uow)):
        status = "expired"
    return {"id": e.id, "unit_name": e.unit_name, "credit_code": e.credit_code,
            "county": labels.county_name(e.county, county_names(uow)), "county_code": e.county,
            "status": status, "status_name": labels.REGISTER_STATUS_NAMES.get(status, status),
            "certificate_no": e.certificate_no or "", "valid_from": labels.cn_date(e.valid_from),
            "valid_to": labels.cn_date(e.valid_to), "ban_until": labels.cn_date(e.ban_until),
            "has_certificate": bool(e.certificate_no) and e.status != "revoked"}


def register_entry(uow: UnitOfWork, entry_id: int) -> dict[str, Any]:
    """One entry of the public register (the page a certificate's QR code opens)."""
    with uow:
        e = uow.s.get(PlatformRegister, entry_id)
        if e is None:
            raise NotFound(t("名录中没有这条记录"), code="register_entry_not_found")
        return _entry_view(uow, e)


def _may_download(uow: UnitOfWork, actor: Actor, e: PlatformRegister) -> bool:
    """The certificate: the bureau, and the applicant whose application was granted."""
    if actor.role in BUREAU:
        return True
    if actor.role != "applicant" or actor.id is None or not e.application_key:
        return False
    applicant = uow.s.scalar(select(Application.applicant_id).where(Application.business_key == e.application_key))
    return applicant == actor.id


def certificate_links(uow: UnitOfWork, actor: Actor | None, entry_ids: list[int]) -> set[int]:
    """The register entries whose certificate ``actor`` may download (links on the register page)."""
    if actor is None or not entry_ids:
        return set()
    with uow:
        rows = uow.s.scalars(select(PlatformRegister).where(PlatformRegister.id.in_(entry_ids)))
        return {e.id for e in rows if e.certificate_no and e.status != "revoked" and _may_download(uow, actor, e)}


def certificate(uow: UnitOfWork, actor: Actor, entry_id: int) -> DocumentFile:
    """Art. 14, 17: the certificate of a recognised platform — title, unit, number, validity, issuer,
    date, and a QR code opening its public register entry. 404 for anyone but the bureau and the
    applicant; none for a revoked title."""

    with uow:
        e = uow.s.get(PlatformRegister, entry_id)
        if e is None or not _may_download(uow, actor, e):
            raise NotFound(t("名录中没有这条记录"), code="register_entry_not_found")
        if not e.certificate_no or e.status == "revoked":
            raise NotFound(t("该平台没有有效证书（称号已撤销或未颁发证书）"), code="no_certificate")
        view = _entry_view(uow, e)
        url = register_url(uow, e.id)
        issued = e.valid_from
        font = str(uow.runtime.settings.document_font or "")
    qr = segno.make(url, error="m")
    ctx = {**view, "title": labels.TITLE, "issuer": labels.ISSUER, "issued_on": labels.cn_date(issued),
           "qr": qr.svg_data_uri(scale=4, border=2), "url": url, "measure": labels.MEASURE}
    folder = documents_root(uow) / "certificates"
    path = cached(folder, f"certificate-{entry_id}", key_of(template_version(), font, ctx), ".pdf",
                  lambda p: p.write_bytes(render_pdf("certificate.html", ctx, font, f"证书 {view['certificate_no']}")),
                  shared(uow, folder))
    return DocumentFile(path, PDF, f"{view['unit_name']}-示范平台证书-{view['certificate_no']}.pdf")


# -- notices ------------------------------------------------------------------------------------------


def _publicity_period(start: date, end: Any) -> dict[str, Any]:
    """Publicity published on ``start`` runs from the next day (民法典 第二百零一条) to its end.

    ``provisional``: the period was counted in a year whose holiday schedule is not loaded (statutory
    holidays and weekends only, docs/DOMAIN.md §6); the notice says so, and the end is recomputed
    (and the notice re-rendered) when the year is loaded."""
    first = start + timedelta(days=1)
    last = labels.as_date(end) or first
    unknown = list(current_calendar().unknown_years_between(first, last))
    note = (f"（{'、'.join(str(y) for y in unknown)}年节假日安排尚未公布，公示期按法定节假日和周末临时计算，"
            "以国务院办公厅公布的安排为准）") if unknown else ""
    return {"published_on": labels.cn_date(start), "period": labels.cn_period(first, last),
            "first": first.isoformat(), "last": last.isoformat(), "provisional": bool(unknown),
            "provisional_note": note}


def publicity_notices(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Art. 13: one notice per publicity start date, newest first, with its platforms."""
    with uow:
        names = county_names(uow)
        rows = uow.s.scalars(select(Application).where(Application.publicity_start.is_not(None),
                                                       Application.status.in_(PUBLISHED_STATUSES))
                             .order_by(Application.publicity_start.desc(), Application.id)).all()
        now = uow.runtime.now()
        groups: dict[date, list[Application]] = defaultdict(list)
        for a in rows:
            assert a.publicity_start is not None
            groups[a.publicity_start].append(a)
        out = []
        for start, apps in groups.items():
            end = max((a.publicity_end for a in apps if a.publicity_end), default=None)
            out.append({"start": start.isoformat(), **_publicity_period(start, end),
                        "open": end is not None and now <= end, "year": start.year,
                        "items": [{"business_key": a.business_key, "unit_name": a.unit_name or "",
                                   "county": labels.county_name(a.county, names),
                                   "in_publicity": a.status == "publicity"} for a in apps]})
        return out


def publicity_notice(uow: UnitOfWork, start: str) -> dict[str, Any]:
    """Art. 13: the publicity notice of the platforms published on ``start`` (YYYY-MM-DD)."""
    found = next((n for n in publicity_notices(uow) if n["start"] == start), None)
    if found is None:
        raise NotFound(t("没有这一天发布的公示"), code="notice_not_found")
    return {**found, "title": f"关于{found['year']}年度{labels.TITLE}拟认定名单的公示", "issuer": labels.ISSUER,
            "measure": labels.MEASURE, "objection_url": f"{_base_url(uow)}/public/",
            "contact": str(uow.runtime.settings.extra.get("notice_contact", "") or "")}


def round_list(uow: UnitOfWork, year: int) -> dict[str, Any]:
    """Art. 14: the platforms granted the title in the round of ``year``, with their certificates."""
    with uow:
        r = uow.s.scalars(select(RecognitionRound).where(RecognitionRound.year == year)).first()
        if r is None:
            raise NotFound(t("没有 {year} 年度的认定批次", year=year), code="round_not_found")
        names = county_names(uow)
        stmt = (select(Application, PlatformRegister)
                .join(PlatformRegister, PlatformRegister.application_key == Application.business_key)
                .where(Application.round_id == r.id, Application.status == "granted")
                .order_by(PlatformRegister.certificate_seq, PlatformRegister.id))
        items = [{"unit_name": e.unit_name, "county": labels.county_name(e.county, names),
                  "certificate_no": e.certificate_no or "", "valid_from": labels.cn_date(e.valid_from),
                  "valid_to": labels.cn_date(e.valid_to), "register_id": e.id}
                 for _a, e in uow.s.execute(stmt).all()]
        granted = max((e.valid_from for _a, e in uow.s.execute(stmt).all() if e.valid_from), default=None)
        return {"year": year, "round_name": r.name, "items": items, "issuer": labels.ISSUER,
                "measure": labels.MEASURE, "published_on": labels.cn_date(granted),
                "title": f"关于公布{year}年度{labels.TITLE}名单的通知"}


def rounds_with_grants(uow: UnitOfWork) -> list[int]:
    with uow:
        stmt = (select(RecognitionRound.year).join(Application, Application.round_id == RecognitionRound.id)
                .where(Application.status == "granted").distinct().order_by(RecognitionRound.year.desc()))
        return list(uow.s.scalars(stmt))


def revocation_notices(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Art. 20, 21: the confirmed revocations, newest first (the results are published)."""

    with uow:
        names = county_names(uow)
        rows = uow.s.scalars(select(Revocation).where(Revocation.status == "confirmed")
                             .order_by(Revocation.id.desc())).all()
        certs = dict(uow.s.execute(select(PlatformRegister.id, PlatformRegister.certificate_no).where(
            PlatformRegister.id.in_([r.register_id for r in rows]))).all()) if rows else {}
        return [{"id": r.id, "unit_name": r.unit_name, "county": labels.county_name(r.county, names),
                 "article": r.article, "ground": labels.revocation_ground(r.article), "reason": r.reason,
                 "revoked_on": labels.cn_date(r.revoked_on), "ban_until": labels.cn_date(r.ban_until),
                 "certificate_no": certs.get(r.register_id) or "", "banned": r.ban_until is not None,
                 "title": f"关于撤销{r.unit_name}“{labels.TITLE}”称号的公告", "issuer": labels.ISSUER,
                 "published_on": labels.cn_date(r.decided_at or r.revoked_on),
                 "measure": labels.MEASURE} for r in rows]


def revocation_notice(uow: UnitOfWork, revocation_id: int) -> dict[str, Any]:
    found = next((n for n in revocation_notices(uow) if n["id"] == revocation_id), None)
    if found is None:
        raise NotFound(t("没有这条撤销公告"), code="notice_not_found")
    return found


def notice_pdf(uow: UnitOfWork, kind: str, ctx: dict[str, Any], name: str) -> DocumentFile:
    """A notice (``publicity``, ``round``, ``revocation``) as a printable PDF."""
    font = str(uow.runtime.settings.document_font or "")
    template = f"notice_{kind}.html"
    folder = documents_root(uow) / "notices"
    path = cached(folder, name, key_of(template_version(), font, ctx), ".pdf",
                  lambda p: p.write_bytes(render_pdf(template, ctx, font, ctx["title"])), shared(uow, folder))
    return DocumentFile(path, PDF, f"{ctx['title']}.pdf")


def publicity_notice_pdf(uow: UnitOfWork, start: str) -> DocumentFile:
    return notice_pdf(uow, "publicity", publicity_notice(uow, start), f"publicity-{start}")


def round_list_pdf(uow: UnitOfWork, year: int) -> DocumentFile:
    return notice_pdf(uow, "round", round_list(uow, year), f"round-{year}")


def revocation_notice_pdf(uow: UnitOfWork, revocation_id: int) -> DocumentFile:
    return notice_pdf(uow, "revocation", revocation_notice(uow, revocation_id), f"revocation-{revocation_id}")
