"""An instance's variables as a person reads them (the admin instance page): labels from the diagram's
forms, values in words (是/否, enum and choice labels, people's and counties' names, Beijing times),
tables as tables, long texts and big structures folded — never a raw dump.

Pure shaping: the caller passes the variables, the parsed definition's task specs and the names it
knows (users, counties); nothing here reads the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from processes.clock import CST
from processes.forms.model import LABELS, Column, FieldDef, fields_of

# variables the runtime and the recognition/supervision handlers set (not form fields)
KNOWN_LABELS = {
    "initiator": "发起人", "initiator_county": "发起人所在县（市、区）", "business_key": "业务编号",
    "county": "县（市、区）", "check_results": "自动检查结果", "check_summary": "自动检查汇总",
    "thresholds": "第七条门槛（决策表）", "art8_thresholds": "第八条门槛（决策表）", "confirmations": "县级确认事项",
    "expert_reviews": "专家评审意见", "panel_summary": "专家组结论", "panel_passed": "专家组通过",
    "expert_pass_ratio": "专家通过比例", "survey": "县级测评", "survey_sample": "随机抽取的测评企业",
    "survey_reserve": "备选测评企业", "survey_satisfaction": "测评满意度（%）", "sample_seed": "抽样随机种子",
    "certificate_no": "证书编号", "certificate_seq": "证书序号", "certificate_year": "证书年度",
    "granted_at": "认定时间", "valid_from": "有效期起", "valid_to": "有效期止", "publicity_start": "公示开始",
    "publicity_end": "公示截止", "publicity_over": "公示期满", "publicity_working_days": "公示工作日数",
    "round_id": "批次编号", "round_name": "认定批次", "round_year": "批次年度", "submission_deadline": "申报截止日期",
    "submitted_at": "提交时间", "required_materials": "必需材料", "materials_missing": "缺少的材料",
    "materials_message": "材料提示", "eligible": "符合基本条件", "qualified": "通过自动检查",
    "eligibility_reasons": "不符合条件的原因", "ineligible_reasons": "不符合条件的原因",
    "objection_history": "异议记录", "objections_filed": "异议数", "objections_pending": "待核查异议数",
    "objections_upheld": "异议成立", "pending_objection": "待核查的异议", "supplement_history": "补正记录",
    "relaxed_confirmed": "已确认放宽条件", "platform_user": "平台账号", "quarter": "季度", "year": "年度",
    "county_form_errors": "县级表单问题", "review_errors": "审核表单问题", "survey_errors": "测评问题",
    "survey_sample_errors": "测评样本问题", "flagged_rules": "未通过的自动检查项", "decline_reasons": "不予推荐理由",
}

# values that name people or counties
USER_KEYS = {"initiator", "platform_user", "expert", "experts", "assignee", "reviewer", "officer", "by",
             "decided_by", "filed_by", "actor"}
COUNTY_KEYS = {"county", "initiator_county"}
BOOL_WORDS = {True: "是", False: "否"}
FOLD_TEXT = 120  # characters shown before a long text folds
TABLE_PREVIEW = 10  # rows shown before the rest of a table folds
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


@dataclass
class Names:
    """What the page can name: user names → display names, county codes → names."""

    users: Mapping[str, str] = field(default_factory=dict)
    counties: Mapping[str, str] = field(default_factory=dict)


@dataclass
class FormInfo:
    """Labels, enum options and table columns of a definition's forms, by field id."""

    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    columns: dict[str, list[Column]] = field(default_factory=dict)


def short_label(label: str) -> str:
    """「测评企业（随机抽取，不少于10家；请逐家填写评价）」→「测评企业」: the explanation stays in the title."""
    if len(label) <= 16:
        return label
    for mark in ("（", "("):
        head = label.split(mark, 1)[0].strip()
        if head:
            return head
    return label[:16] + "…"


def form_info(task_specs: Iterable[Any]) -> FormInfo:
    """From every task spec of a parsed definition (and its subprocesses)."""
    info = FormInfo()
    for spec in task_specs:
        fd: FieldDef
        for fd in fields_of(getattr(spec, "form", None)):
            info.labels.setdefault(fd.id, fd.label)
            if fd.options:
                info.options.setdefault(fd.id, {o["id"]: o["name"] for o in fd.options})
            if fd.type == "json" and not fd.picker_role and fd.columns:
                info.columns.setdefault(fd.id, fd.columns)
    return info


def all_task_specs(parsed: Any) -> list[Any]:
    specs = list(parsed.spec.task_specs.values())
    for sub in (parsed.subprocess_specs or {}).values():
        specs.extend(sub.task_specs.values())
    return specs


def usernames_in(variables: Mapping[str, Any]) -> set[str]:
    """The strings that may name a user (to look their names up in one query)."""
    found: set[str] = set()

    def walk(key: str, v: Any, depth: int = 0) -> None:
        if depth > 3:
            return
        if isinstance(v, str) and key in USER_KEYS and len(v) <= 64:
            found.add(v)
        elif isinstance(v, list):
            for x in v[:200]:
                walk(key, x, depth + 1)
        elif isinstance(v, dict):
            for k, x in list(v.items())[:200]:
                walk(str(k), x, depth + 1)

    for k, v in variables.items():
        walk(k, v)
    return found


class Presenter:
    def __init__(self, info: FormInfo, names: Names) -> None:
        self.info = info
        self.names = names

    # -- one value in words -------------------------------------------------------------------
    def words(self, key: str, v: Any, column: Column | None = None) -> str:
        if v is None or v == "":
            return "—"
        if isinstance(v, bool):
            return BOOL_WORDS[v]
        if isinstance(v, float):
            return f"{v:.2f}".rstrip("0").rstrip(".")
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            if column is not None and column.choices:
                labels = {o["id"]: o["label"] for o in column.options()}
                return labels.get(v, v)
            if key in self.info.options:
                return self.info.options[key].get(v, v)
            if key in USER_KEYS and v in self.names.users:
                return f"{self.names.users[v]}（{v}）"
            if key in COUNTY_KEYS and v in self.names.counties:
                return self.names.counties[v]
            if _ISO_INSTANT.match(v):
                try:
                    dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
                    return dt.astimezone(CST).strftime("%Y-%m-%d %H:%M") if dt.tzinfo else v.replace("T", " ")
                except ValueError:
                    return v
            return v
        if isinstance(v, list) and all(not isinstance(x, dict | list) for x in v):
            return "、".join(self.words(key, x) for x in v) or "—"
        if isinstance(v, dict):
            return "，".join(f"{self.label(str(k))} {self.words(str(k), x)}" for k, x in v.items()) or "—"
        if isinstance(v, list):
            return "；".join(self.words(key, x) for x in v) or "—"
        return json.dumps(v, ensure_ascii=False, default=str)

    def label(self, key: str) -> str:
        return self.info.labels.get(key) or KNOWN_LABELS.get(key) or LABELS.get(key) or key

    # -- one variable ---------------------------------------------------------------------------
    def entry(self, key: str, v: Any) -> dict[str, Any]:
        full = self.label(key)
        out: dict[str, Any] = {"name": key, "label": short_label(full), "title": full}
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
            return out | self.table(key, v)
        if isinstance(v, dict) and v:
            rows = [{"label": self.label(str(k)), "name": str(k), "text": self.words(str(k), x)}
                    for k, x in v.items()]
            return out | {"kind": "mapping", "pairs": rows, "count": len(rows)}
        text = self.words(key, v)
        if len(text) > FOLD_TEXT:
            return out | {"kind": "text", "text": text, "short": text[:FOLD_TEXT] + "…"}
        return out | {"kind": "scalar", "text": text}

    def table(self, key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        declared = self.info.columns.get(key, [])
        cols: list[Column] = [c for c in declared]
        seen = {c.id for c in cols}
        for r in rows:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    cols.append(Column(k, label=LABELS.get(k) or KNOWN_LABELS.get(k) or self.info.labels.get(k) or k))
        # columns empty in every row say nothing
        cols = [c for c in cols if any(r.get(c.id) not in (None, "", []) for r in rows)]
        body = [[self.words(c.id, r.get(c.id), c) for c in cols] for r in rows]
        return {"kind": "table", "columns": [short_label(c.label or c.id) for c in cols], "rows": body[:TABLE_PREVIEW],
                "more": body[TABLE_PREVIEW:], "count": len(rows)}


def present(variables: Mapping[str, Any], info: FormInfo, names: Names) -> dict[str, list[dict[str, Any]]]:
    """``{"simple": [...], "structured": [...]}``: values in one line first, then tables, mappings and
    long texts, each sorted by label."""
    p = Presenter(info, names)
    entries = [p.entry(k, v) for k, v in variables.items() if not str(k).startswith("_")]
    simple = sorted((e for e in entries if e["kind"] == "scalar"), key=lambda e: e["name"])
    structured = sorted((e for e in entries if e["kind"] != "scalar"), key=lambda e: e["name"])
    return {"simple": simple, "structured": structured}
