"""Read side of the recognition procedure as people read it: the whole application with everything
decided on it (the record each person who decides reads, docs/DOMAIN.md §2), the automatic checks
in words, the applicant's progress through the steps, the materials to open, the units behind the
business keys of the lists, and the receipts of the public's objections.

Every function reads in the caller's unit of work or its own (``with uow:``) and never writes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from handlers.checks import FUNCTIONS, JUDGMENT_ITEMS
from handlers.recognition_steps import MATERIALS, SYSTEM_MATERIALS, beijing_date
from processes.access import may_see_application, record_sections, sees_opinion
from processes.clock import CST
from processes.db import UnitOfWork
from processes.documents.labels import FUNCTION_NAMES, cn_date, number
from processes.engine.runtime import instance_variables
from processes.errors import NotFound
from processes.forms.model import LABELS, FieldDef
from processes.models import AuditEntry, ProcessInstance, User
from processes.recognition.models import FINAL_STATUSES, Application, Material, Objection
from processes.recognition.services import STATUS_NAMES, panel_of
from processes.services.core import Actor, load_for_reading
from processes.tasks.forms import decision_of, reason_of, table_rows, value_text
from processes.tasks.lists import Subject, element_fields
from processes.vocabulary import ROLE_NAMES, Role

# -- ended applications: four kinds of end, each its own words and colour ------------------------------

OUTCOMES = {"granted": "granted", "ineligible": "failed", "declined": "failed", "rejected": "failed",
            "objection_upheld": "failed", "withdrawn": "withdrawn", "terminated": "terminated"}
OUTCOME_NAMES = {"granted": "已认定", "failed": "未通过", "withdrawn": "已撤回", "terminated": "已终止"}


def outcome_of(status: str | None) -> str | None:
    return OUTCOMES.get(status or "")


class ApplicationSubjects:
    """The units behind recognition business keys (lists: 单位名称, search, the status in words)."""

    def subjects(self, uow: UnitOfWork, business_keys: list[str]) -> dict[str, Subject]:
        out = {}
        for a in uow.s.scalars(select(Application).where(Application.business_key.in_(business_keys))):
            outcome = outcome_of(a.status)
            name = STATUS_NAMES.get(a.status, a.status)
            if outcome == "failed":
                name = f"{OUTCOME_NAMES['failed']}（{name}）"
            out[a.business_key] = Subject(a.unit_name or "", a.credit_code or "", a.status, name, outcome)
        return out

    def matching(self, text: str) -> Any:
        return select(Application.business_key).where(
            Application.unit_name.icontains(text, autoescape=True) | Application.credit_code.icontains(
                text, autoescape=True))


SUBJECTS = ApplicationSubjects()


# -- the steps (申报 → 县级推荐 → 市局审核 → 现场核实 → 专家评审 → 公示 → 已认定) -----------------------------

STEPS = (("apply", "申报"), ("county", "县级推荐"), ("review", "市局审核"), ("onsite", "现场核实"),
         ("experts", "专家评审"), ("publicity", "公示"), ("granted", "已认定"))
_STEP = {key: i for i, (key, _) in enumerate(STEPS)}
CURRENT_STEP = {"draft": "apply", "at_county": "county", "under_review": "review", "supplement": "review",
                "onsite_check": "onsite", "expert_panel": "experts", "publicity": "publicity", "objection": "publicity"}
NEXT_STEP = {"apply": "由申报单位填写申报书、上传材料并提交", "county": "由县级主管部门审核、测评并推荐",
             "review": "由市工业和信息化局审核", "onsite": "由市工业和信息化局现场核实",
             "experts": "由评审专家评审", "publicity": "公示期满且异议核查完毕后予以认定"}


def _reached(data: Mapping[str, Any]) -> str:
    """The furthest step the application's data shows it reached."""
    if data.get("certificate_no"):
        return "granted"
    if data.get("publicity_start"):
        return "publicity"
    if data.get("panel_summary") or any(isinstance(r, Mapping) for r in data.get("expert_reviews") or []):
        return "experts"
    if data.get("review_action") == "proceed":
        return "onsite" if data.get("onsite_check") and data.get("onsite_passed") is not True else "experts"
    if data.get("county_decision") == "recommend":
        return "review"
    if data.get("submitted_at"):
        return "county"
    return "apply"


def _failed_at(status: str, data: Mapping[str, Any]) -> str:
    if status == "declined":
        return "county"
    if status == "objection_upheld":
        return "publicity"
    if status == "rejected":
        if data.get("review_action") == "reject":
            return "review"
        if data.get("onsite_check") and data.get("onsite_passed") is False:
            return "onsite"
        return "experts"
    return "apply" if status == "ineligible" and not data.get("county_decision") else _reached(data)


def progress(status: str, data: Mapping[str, Any], publicity_end: Any = None) -> dict[str, Any]:
    """The applicant's steps, each ``done`` / ``current`` / ``todo`` / ``skipped`` / ``failed`` /
    ``stopped``, the step's note (补正中, the publicity's last day), the outcome and what comes next."""
    outcome = outcome_of(status)
    if outcome == "granted":
        at, state_at = "granted", "done"
    elif outcome == "failed":
        at, state_at = _failed_at(status, data), "failed"
    elif outcome in ("withdrawn", "terminated"):
        at, state_at = _reached(data), "stopped"
    else:
        at, state_at = CURRENT_STEP.get(status, _reached(data)), "current"
        further = _reached(data)
        if status == "under_review" and _STEP[further] > _STEP[at]:
            at = further  # the panel has reviewed: the bureau's decision closes the experts' step
    onsite = bool(data.get("onsite_check"))
    steps = []
    for i, (key, name) in enumerate(STEPS):
        note = ""
        if i < _STEP[at]:
            state = "skipped" if key == "onsite" and not onsite else "done"
            note = "未安排" if state == "skipped" else ""
        elif i == _STEP[at]:
            state = state_at
        else:
            state = "todo"
        if key == "publicity" and publicity_end:
            note = f"截止 {day_of(publicity_end)}"
        if key == "review" and status == "supplement":
            note = "补正中"
        if key == "experts" and status == "under_review" and at == "experts":
            note = "审核决定中"
        steps.append({"key": key, "name": name, "state": state, "note": note})
    nxt = None
    if outcome is None:
        nxt = NEXT_STEP.get(at)
        if status == "supplement":
            nxt = "由申报单位按补正要求修改申报书、补充材料并提交"
        elif status == "under_review" and at == "experts":
            nxt = "由市工业和信息化局作出审核决定"
    return {"steps": steps, "outcome": outcome, "outcome_name": OUTCOME_NAMES.get(outcome or "", ""),
            "status_name": STATUS_NAMES.get(status, status), "next_step": nxt}


def day_of(value: Any) -> str:
    """An instant (ISO or datetime) as its Beijing date."""
    if isinstance(value, datetime):
        return value.astimezone(CST).date().isoformat()
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:10]
    return (dt.astimezone(CST) if dt.tzinfo else dt).date().isoformat()


# -- the automatic checks in words -------------------------------------------------------------------

RULE_TITLES = {
    "7.1a": "独立法人资格及相关资质", "7.1b": "运营两年以上", "7.1c": "上年末资产总额",
    "7.1d": "财务状况良好、无不良信用记录", "7.2a": "上年服务中小企业数", "7.2b": "服务“专精特新”、瞪羚等企业数",
    "7.2c": "用户满意度", "7.2c.survey": "县级测评满意度", "7.2d": "近两年服务企业数稳步增长",
    "7.2e": "声誉和品牌影响力", "7.3a": "固定场所和必要设施", "7.3b": "集聚服务机构数",
    "7.4a": "管理制度、服务流程与发展规划", "7.4b": "小微企业收费优惠", "7.4c": "公益性或低收费服务占比",
    "7.5a": "服务中小企业人员数", "7.5b": "大专以上学历、中级以上职称人员占比", "7.5c": "主要负责人诚信、守法",
    "7.R": "放宽条件（事业单位、社团法人）", "8": "功能要求（至少满足一项）",
    "annex2.staff_list": "附件2 人员名单条数", "annex2.served_list": "附件2 服务企业名单条数",
    "cross.served_count": "服务企业名单与申报数核对", "cross.satisfaction": "名单满意度与申报满意度核对",
    "cross.staff_count": "人员名单与申报人数核对", "cross.titled_count": "称号企业数核对", "round": "年度申报批次",
    "round_closed": "申报截止日期", "one_per_round": "每年申报一次", "recognised": "已认定未到期",
    "banned": "三年内不得申报", "8.unknown": "服务功能",
}
for _name, (_rule, _article, _title, _list) in FUNCTIONS.items():
    RULE_TITLES.setdefault(_rule, _title)
    RULE_TITLES.setdefault(f"{_rule}.checklist", f"{_title}：其他要求")
for _rule, (_article, _text, _evidence) in JUDGMENT_ITEMS.items():
    RULE_TITLES.setdefault(_rule, _text)
KIND_NAMES = {"computed": "自动计算", "judgment": "县级确认", "warning": "提示", "eligibility": "申报资格"}
VALUE_LABELS = {**LABELS, "offline_smes_served": "线下服务企业（家）", "activities": "活动次数",
                "trainees": "培训人次", "financing_yi": "融资额（亿元）", "new_guarantee_yi": "新增担保额（亿元）",
                "is_guarantee_institution": "融资担保机构"}
THRESHOLD_TEXTS = {"last_year_greater_than_previous": "上一完整年度多于前一年度", "至少一项": "至少一项"}
_CODE_IN_PARENS = re.compile(r"（[A-Za-z_]+(?:\[\d+\])?(?:\.[A-Za-z_]+)?）")


def _plain(value: Any) -> str:
    """A check's value or threshold as a person reads it: numbers without trailing zeros, yearly
    figures as ``2024年 130 家``, requirements by their names, functions by their Chinese names."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, str):
        return THRESHOLD_TEXTS.get(value, FUNCTION_NAMES.get(value, value))
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) and "year" in v for v in value):
            return "、".join(f"{v.get('year')}年 {number(v.get('smes_served'))} 家" for v in value)
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, Mapping):
        return "；".join(f"{VALUE_LABELS.get(str(k), str(k))} {_plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def check_view(r: Mapping[str, Any]) -> dict[str, Any]:
    """One check result for a page: the rule with its title, the article, passed or not (None: waits
    for a person), the message without field ids, value and requirement in words."""
    rule = str(r.get("rule") or "")
    return {"rule": rule, "title": RULE_TITLES.get(rule, ""), "article": str(r.get("article") or ""),
            "passed": r.get("passed"), "kind": r.get("kind") or "computed",
            "kind_name": KIND_NAMES.get(str(r.get("kind") or "computed"), ""),
            "message": _CODE_IN_PARENS.sub("", str(r.get("message") or "")),
            "value": _plain(r.get("value")), "threshold": _plain(r.get("threshold"))}


def checks_view(results: Any) -> list[dict[str, Any]]:
    return [check_view(r) for r in results or [] if isinstance(r, Mapping)]


# -- the whole application (附件2) ----------------------------------------------------------------------

SECTIONS = (
    ("一、申请表", None),
    ("二、主要服务设备、仪器及软件清单", ("equipment_list",)),
    ("三、管理人员和服务人员名单", ("staff_list",)),
    ("四、服务的中小企业名单及服务评价表", ("served_list",)),
    ("五、情况说明", None),
)
NARRATIVE = "narrative_"


def _field_items(fields: list[FieldDef], data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"fields": [], "tables": [], "texts": []}
    for fd in fields:
        value = data.get(fd.id)
        if fd.columns:
            rows = table_rows(fd, value)
            out["tables"].append({"id": fd.id, "label": fd.label, "columns": [c.label for c in fd.columns],
                                  "rows": rows, "count": len(rows)})
        elif fd.id.startswith(NARRATIVE):
            out["texts"].append({"id": fd.id, "label": fd.label, "text": value_text(fd, value)})
        else:
            out["fields"].append({"id": fd.id, "label": fd.label, "text": value_text(fd, value)})
    return out


def application_sections(fields: list[FieldDef], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """附件2 (一)–(五): the application's fields with their labels, options in words, tables cell by
    cell, the seven chapters of the narrative."""
    own = [fd for fd in fields if not fd.readonly]
    placed = {fid for _, ids in SECTIONS if ids for fid in ids}
    out = []
    for title, ids in SECTIONS:
        if ids is not None:
            chosen = [fd for fd in own if fd.id in ids]
        elif title.startswith("五"):
            chosen = [fd for fd in own if fd.id.startswith(NARRATIVE)]
        else:
            chosen = [fd for fd in own if fd.id not in placed and not fd.id.startswith(NARRATIVE)]
        out.append({"title": title, **_field_items(chosen, data)})
    return out


# -- who did what (the audit trail) ----------------------------------------------------------------------

def _completions(uow: UnitOfWork, instance_id: int) -> list[AuditEntry]:
    return list(uow.s.scalars(select(AuditEntry).where(
        AuditEntry.instance_id == instance_id,
        AuditEntry.action.in_(("task.completed", "material.uploaded"))).order_by(AuditEntry.id)))


def _people(uow: UnitOfWork, ids: set[int | None]) -> dict[int, User]:
    clean = {i for i in ids if i is not None}
    return {u.id: u for u in uow.s.scalars(select(User).where(User.id.in_(clean)))} if clean else {}


def _who(people: Mapping[int, User], entry: AuditEntry) -> str:
    u = people.get(entry.actor_id or 0)
    if u is None:
        return entry.actor
    return f"{u.display_name or u.username}（{ROLE_NAMES.get(u.role, u.role)}）"


def _at(entry: AuditEntry) -> str:
    return entry.at.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _county(uow: UnitOfWork, definition_id: int, data: Mapping[str, Any], done: list[AuditEntry],
            people: Mapping[int, User]) -> dict[str, Any] | None:
    fields = element_fields(uow, definition_id, "county_review")
    entry = next((e for e in reversed(done) if e.element_id == "county_review"), None)
    sample = [r for r in data.get("survey_sample") or [] if isinstance(r, Mapping)]
    if not fields or (entry is None and not sample):
        return None
    by_id = {fd.id: fd for fd in fields}
    values: Mapping[str, Any] = (entry.data or {}).get("values") or {} if entry else {}
    merged = {**data, **values}
    decided = decision_of(fields, merged) if entry else None
    methods = [fd.label.split("：")[-1] for fd in fields
               if fd.id.startswith("survey_method_") and fd.type == "boolean" and merged.get(fd.id) is True]
    if merged.get("survey_method_other_note") and "其他" in methods:
        methods[methods.index("其他")] = f"其他（{merged['survey_method_other_note']}）"
    confirmations = []
    for fd in fields:
        if fd.id.startswith("confirm_") and entry is not None:
            v = merged.get(fd.id)
            confirmations.append({"label": fd.label, "text": "是" if v is True else "否" if v is False else "未确认",
                                  "state": "pass" if v is True else "fail" if v is False else "open"})
    samples_fd = by_id.get("survey_samples")
    survey_check = next((check_view(r) for r in data.get("check_results") or []
                         if isinstance(r, Mapping) and r.get("rule") == "7.2c.survey"), None)
    reserve = [r for r in data.get("survey_reserve") or [] if isinstance(r, Mapping)]
    return {
        "decided": entry is not None, "decision": decided["text"] if decided else "",
        "decision_value": decided["value"] if decided else "",
        "opinion": str(merged.get("county_opinion") or "") if entry else "",
        "by": _who(people, entry) if entry else "", "at": _at(entry) if entry else "",
        "fill_date": value_text(by_id["county_fill_date"], merged.get("county_fill_date"))
        if "county_fill_date" in by_id else "",
        "methods": methods, "seed": data.get("sample_seed"), "drawn": len(sample),
        "served": len(data.get("served_list") or []), "reserve": [str(r.get("enterprise") or "") for r in reserve],
        "samples": {"columns": [c.label for c in samples_fd.columns] if samples_fd else [],
                    "rows": table_rows(samples_fd, merged.get("survey_samples")) if samples_fd and entry else []},
        "satisfaction": number(data.get("survey_satisfaction")), "stated": number(data.get("satisfaction_rate")),
        "survey_check": survey_check, "confirmations": confirmations,
        "decline_reasons": [{"article": str(r.get("article") or ""), "rule": str(r.get("rule") or ""),
                             "message": str(r.get("message") or "")}
                            for r in merged.get("decline_reasons") or [] if isinstance(r, Mapping)]
        if decided and decided["value"] == "decline" else [],
    }


def _supplements(uow: UnitOfWork, definition_id: int, data: Mapping[str, Any], done: list[AuditEntry],
                 people: Mapping[int, User]) -> list[dict[str, Any]]:
    """Each 退回补正: the reviewer's reasons, and the applicant's 补正说明, what they changed in the form
    and the materials they uploaded again."""
    asked = [e for e in done if e.element_id == "municipal_review"
             and ((e.data or {}).get("values") or {}).get("review_action") == "supplement"]
    answers = [e for e in done if e.element_id == "supplement"]
    fields = {fd.id: fd for fd in element_fields(uow, definition_id, "supplement")}
    history = [h for h in data.get("supplement_history") or [] if isinstance(h, Mapping)]
    out = []
    for i, ask in enumerate(asked):
        values = (ask.data or {}).get("values") or {}
        answer = answers[i] if i < len(answers) else None
        given: Mapping[str, Any] = ((answer.data or {}).get("values") or {}) if answer else {}
        until = answer.id if answer else None
        uploads = [f"{MATERIALS.get(str((e.data or {}).get('mkey')), '')}：{(e.data or {}).get('file_name')}"
                   for e in done if e.action == "material.uploaded" and e.id > ask.id
                   and (until is None or e.id < until)]
        changed = [fields[k].label for k in given if k in fields and k != "supplement_response"]
        reasons = str(values.get("review_reasons") or (history[i].get("reasons") if i < len(history) else "") or "")
        out.append({"round": i + 1, "reasons": reasons, "by": _who(people, ask), "at": _at(ask),
                    "response": str(given.get("supplement_response") or ""),
                    "answered_by": _who(people, answer) if answer else "", "answered_at": _at(answer) if answer else "",
                    "changed": changed, "uploads": uploads})
    return out


def _reviews(uow: UnitOfWork, definition_id: int, done: list[AuditEntry], people: Mapping[int, User],
             element_id: str) -> list[dict[str, Any]]:
    fields = element_fields(uow, definition_id, element_id)
    mine = [e for e in done if e.element_id == element_id]
    picked = {x for e in mine for x in ((e.data or {}).get("values") or {}).get("experts") or [] if isinstance(x, str)}
    names = {u.username: u.display_name or u.username
             for u in uow.s.scalars(select(User).where(User.username.in_(picked)))} if picked else {}
    out = []
    for e in mine:
        values = (e.data or {}).get("values") or {}
        decided = decision_of(fields, values)
        experts = [names.get(x, x) for x in values.get("experts") or [] if isinstance(x, str)]
        extra = [f"{fd.label}：{value_text(fd, values.get(fd.id))}" for fd in fields
                 if fd.type in ("boolean", "date") and values.get(fd.id) not in (None, "")
                 and (decided is None or fd.id != decided["field"])]
        out.append({"by": _who(people, e), "at": _at(e), "decision": decided["text"] if decided else "",
                    "decision_value": decided["value"] if decided else "", "reasons": reason_of(fields, values),
                    "experts": experts, "extra": extra})
    return out


VERDICTS = {"approve": "同意", "reject": "不同意"}


def _experts(uow: UnitOfWork, viewer: Actor, data: Mapping[str, Any], done: list[AuditEntry],
             people: Mapping[int, User]) -> dict[str, Any] | None:
    reviews = []
    for e in done:
        if e.element_id != "expert_review":
            continue
        author = people.get(e.actor_id or 0)
        if not sees_opinion(viewer, Role.EXPERT, e.actor_id):
            continue
        v = (e.data or {}).get("values") or {}
        reviews.append({"name": author.display_name if author else e.actor,
                        "title": v.get("expert_title") or (getattr(author, "title", "") or ""),
                        "employer": v.get("expert_employer") or (getattr(author, "employer", "") or ""),
                        "verdict": VERDICTS.get(str(v.get("verdict")), str(v.get("verdict") or "")),
                        "verdict_value": v.get("verdict"), "score": number(v.get("score")),
                        "opinion": str(v.get("opinion") or ""), "at": _at(e)})
    summary = data.get("panel_summary") if isinstance(data.get("panel_summary"), Mapping) else None
    panel = [e for e in data.get("experts") or [] if isinstance(e, str)]
    if not reviews and summary is None and not panel:
        return None
    names = {u.username: u.display_name or u.username for u in uow.s.scalars(
        select(User).where(User.username.in_(panel)))} if panel else {}
    return {"reviews": reviews, "panel": [names.get(p, p) for p in panel],
            "summary": str(summary.get("message") or "") if summary else ""}


def _objections(uow: UnitOfWork, app: Application, secret: str) -> list[dict[str, Any]]:
    rows = uow.s.scalars(select(Objection).where(Objection.application_id == app.id).order_by(Objection.id))
    return [{"receipt": receipt_of(secret, o.id, o.filed_at), "name": o.name, "contact": o.contact,
             "reasons": o.reasons, "filed_at": o.filed_at.astimezone(CST).strftime("%Y-%m-%d %H:%M"),
             "status": o.status, "status_name": OBJECTION_STATUS_NAMES.get(o.status, o.status),
             "findings": o.findings, "decided_at": o.decided_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
             if o.decided_at else "", "attachment": o.attachment} for o in rows]


def application_record(uow: UnitOfWork, actor: Actor, instance_id: int,
                       data: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """Everything on one application that the person about to decide must read — the application
    (附件2 in full), the automatic checks, the county's opinion and survey (the drawn sample, ratings in
    words, the survey's satisfaction beside the applicant's), each 退回补正 and its answer, the bureau's
    reviews, the on-site findings, the experts' scores and opinions, objections and the outcome — as
    far as ``actor`` may read them (``processes.access.record_sections``). ``data``: the task's data
    when the caller has it (no second load of the workflow); else the instance's variables.
    None for an instance without an application. The caller has checked that ``actor`` may read the
    instance (the task page, the instance page)."""
    with uow:
        app = uow.s.scalars(select(Application).where(Application.instance_id == instance_id)).first()
        inst = uow.s.get(ProcessInstance, instance_id)
        if app is None or inst is None:
            return None
        if data is None:
            data = instance_variables(load_for_reading(uow, inst)) if inst.workflow else {}
        visible = record_sections(actor)
        if actor.role == Role.APPLICANT and actor.id != app.applicant_id:
            visible = frozenset()
        done = _completions(uow, instance_id)
        people = _people(uow, {e.actor_id for e in done})
        definition_id = inst.definition_id
        rec: dict[str, Any] = {
            "business_key": app.business_key, "unit_name": app.unit_name or "", "status": app.status,
            "ended": app.status in FINAL_STATUSES, "visible": sorted(visible),
            "progress": progress(app.status, data, app.publicity_end),
            "publicity": {"start": app.publicity_start.isoformat() if app.publicity_start else "",
                          "end": day_of(app.publicity_end) if app.publicity_end else ""},
            "certificate_no": app.certificate_no or data.get("certificate_no") or "",
            "valid_to": str(data.get("valid_to") or ""),
            "outcome_reasons": [{"article": str(r.get("article") or ""), "rule": str(r.get("rule") or ""),
                                 "title": RULE_TITLES.get(str(r.get("rule") or ""), ""),
                                 "message": _CODE_IN_PARENS.sub("", str(r.get("message") or ""))}
                                for r in app.outcome_reasons or [] if isinstance(r, Mapping)],
            "flagged": checks_view(app.flagged_rules or []),
        }
        if "application" in visible:
            rec["application"] = application_sections(element_fields(uow, definition_id, "fill_application"), data)
        if "checks" in visible:
            rec["checks"] = checks_view(data.get("check_results"))
        if "county" in visible:
            rec["county"] = _county(uow, definition_id, data, done, people)
        if "supplements" in visible:
            rec["supplements"] = _supplements(uow, definition_id, data, done, people)
        if "review" in visible:
            rec["reviews"] = _reviews(uow, definition_id, done, people, "municipal_review")
            rec["decisions"] = _reviews(uow, definition_id, done, people, "review_decision")
        if "onsite" in visible:
            rec["onsite"] = _reviews(uow, definition_id, done, people, "onsite_verification")
            if rec["onsite"]:
                rec["onsite_findings"] = str(data.get("onsite_findings") or "")
        if "experts" in visible or actor.role == Role.EXPERT:
            rec["experts"] = _experts(uow, actor, data, done, people)
        if "objections" in visible:
            rec["objections"] = _objections(uow, app, str(uow.runtime.settings.secret_key))
            rec["objection_reviews"] = _reviews(uow, definition_id, done, people, "investigate_objection")
        return rec


# -- materials: open and download (Art. 12; the people who judge need the evidence) ---------------------------

def materials_view(uow: UnitOfWork, actor: Actor, business_key: str) -> dict[str, Any] | None:
    """The 13 materials (Art. 12) as the task and application pages list them, for whoever may see
    the application; None for anyone else."""
    with uow:
        app = uow.s.scalars(select(Application).where(Application.business_key == business_key)).first()
        if app is None or not may_see_application(actor, app.county, app.applicant_id, panel_of(uow, app)):
            return None
        have = {m.mkey: m for m in uow.s.scalars(select(Material).where(Material.application_id == app.id))}
        items = []
        for k, name in MATERIALS.items():
            m = have.get(k)
            items.append({"mkey": k, "name": name, "system": k in SYSTEM_MATERIALS,
                          "file": {"file_name": m.file_name, "mime": m.mime, "size": m.size,
                                   "uploaded_at": m.uploaded_at.astimezone(CST).strftime("%Y-%m-%d %H:%M"),
                                   "image": m.mime.startswith("image/")} if m else None})
        return {"business_key": business_key, "status": app.status, "items": items,
                "uploadable": app.status in ("draft", "supplement") and actor.role == Role.APPLICANT
                and actor.id == app.applicant_id}


# -- the public's objections: receipt numbers (Art. 13, 22) -----------------------------------------------

OBJECTION_STATUS_NAMES = {"filed": "已受理，待核查", "upheld": "经核查，异议成立", "dismissed": "经核查，异议不成立"}
_RECEIPT = re.compile(r"^YY(\d{8})-(\d{5,})-([0-9A-F]{6})$")


def receipt_of(secret: str, objection_id: int, filed_at: datetime) -> str:
    """The number an objector is given: ``YY<Beijing date>-<serial>-<check>`` — the check is keyed
    with the application's secret, so a number cannot be guessed from another."""
    day = filed_at.astimezone(CST).strftime("%Y%m%d")
    mac = hmac.new(secret.encode(), f"objection:{objection_id}:{day}".encode(), hashlib.sha256).hexdigest()
    return f"YY{day}-{objection_id:05d}-{mac[:6].upper()}"


def objection_by_receipt(uow: UnitOfWork, receipt: str) -> dict[str, Any]:
    """What the public may know of an objection by its receipt number: the platform, when it was
    filed and where its investigation stands (no personal data, no findings). 404 for a wrong number."""
    m = _RECEIPT.match(receipt.strip().upper())
    if m is None:
        raise NotFound("没有这个受理编号")
    with uow:
        o = uow.s.get(Objection, int(m.group(2)))
        if o is None or not hmac.compare_digest(receipt_of(str(uow.runtime.settings.secret_key), o.id, o.filed_at),
                                                receipt.strip().upper()):
            raise NotFound("没有这个受理编号")
        app = uow.s.get(Application, o.application_id)
        return {"receipt": receipt.strip().upper(), "business_key": o.business_key,
                "unit_name": app.unit_name if app else "", "filed_on": cn_date(o.filed_at),
                "status": o.status, "status_name": OBJECTION_STATUS_NAMES.get(o.status, o.status),
                "decided_on": cn_date(o.decided_at) if o.decided_at else ""}


def receipt_for(uow: UnitOfWork, objection_id: int) -> str:
    with uow:
        o = uow.s.get(Objection, objection_id)
        if o is None:
            raise NotFound("没有这件异议")
        return receipt_of(str(uow.runtime.settings.secret_key), o.id, o.filed_at)


def publicity_list(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Art. 13, 22: the platforms in publicity as the public reads them: unit, credit code, county, the
    period (from the day after publication to its last day) and the notice to read."""
    with uow:
        now = uow.runtime.now()
        rows = uow.s.scalars(select(Application).where(Application.status.in_(("publicity", "objection")),
                                                       Application.publicity_end >= now)
                             .order_by(Application.publicity_start, Application.id))
        out = []
        for a in rows:
            start = a.publicity_start
            out.append({"business_key": a.business_key, "unit_name": a.unit_name or "",
                        "credit_code": a.credit_code or "", "county": a.county,
                        "publicity_start": start.isoformat() if start else None,
                        "period_from": (start.fromordinal(start.toordinal() + 1)).isoformat() if start else "",
                        "period_to": day_of(a.publicity_end) if a.publicity_end else "",
                        "days_left": max(0, (beijing_date(a.publicity_end) - beijing_date(now)).days)
                        if a.publicity_end else None})
        return out
