"""Supervision of recognised platforms (Chapter 5, Art. 16–22; docs/DOMAIN.md §3, §6).

Pure functions: quarter keys, quarterly-report validation (Art. 19), the county aggregate,
the spot-check draw with a recorded seed (Art. 21) and the data of a revocation (Art. 20, 21).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta, timezone
from typing import Any

from handlers.certificates import ban_until, parse_iso_date, validity_expired
from handlers.registry import HandlerContext, handler

ART_19 = "第十九条"
ART_20 = "第二十条"
ART_21 = "第二十一条"

# Figures of one quarterly report (Art. 19: 工作开展情况). Name → (label, kind).
REPORT_FIELDS: dict[str, tuple[str, str]] = {
    "smes_served": ("本季度服务企业数（家）", "count"),
    "activities": ("本季度开展服务活动（场次）", "count"),
    "trainees": ("本季度培训人次", "count"),
    "financing_yi": ("本季度帮助融资额（亿元）", "amount"),
    "fees_wan": ("本季度服务收费（万元）", "amount"),
    "low_fee_share": ("公益性、低收费服务占比（%）", "percent"),
    "satisfaction_rate": ("服务满意度（%）", "percent"),
}
Q4_FIELDS = {"year_summary": "本年度工作总结", "next_year_plan": "下年度工作计划"}
SUM_FIELDS = ("smes_served", "activities", "trainees", "financing_yi", "fees_wan")
AVG_FIELDS = ("low_fee_share", "satisfaction_rate")

VERDICTS = ("pass", "fail", "violation")
# Art. 21: how a violation (or an Art. 20 failure) came to light
REVOCATION_SOURCES = {"spot_check": "市局抽查", "inspection": "县级检查", "complaint": "投诉举报", "other": "其他途径"}
_CST = timezone(timedelta(hours=8), "CST")


# -- quarters --------------------------------------------------------------------------------

def quarter_key(year: int, quarter: int) -> str:
    """``2026Q4``."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1–4, got {quarter!r}")
    return f"{int(year)}Q{int(quarter)}"


def parse_quarter_key(key: str) -> tuple[int, int]:
    text = str(key).strip().upper()
    year, _, q = text.partition("Q")
    if not year.isdigit() or q not in ("1", "2", "3", "4"):
        raise ValueError(f"季度应写作 2026Q4 的形式：{key!r}")
    return int(year), int(q)


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    y, q = next_quarter(year, quarter)
    return date.fromordinal(quarter_start(y, q).toordinal() - 1)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def reporting_quarter(today: date) -> tuple[int, int]:
    """Art. 19: the quarter reported on during ``today``'s quarter (the one that just ended)."""
    return previous_quarter(*quarter_of(today))


def report_business_key(credit_code: str, year: int, quarter: int) -> str:
    return f"QR-{credit_code}-{quarter_key(year, quarter)}"


def aggregate_business_key(county: str, year: int, quarter: int) -> str:
    return f"CA-{county}-{quarter_key(year, quarter)}"


REPORTING_STATUSES = ("recognised", "expired")  # a revoked platform is no longer supervised


def must_report(valid_from: Any, valid_to: Any, status: str, year: int, quarter: int, today: date) -> bool:
    """Art. 19: a platform reports on every quarter its recognition covered, at least in part — the
    last partial quarter before expiry included, although the recognition has expired by the time
    that quarter is reported on (Art. 17). A revoked platform no longer reports."""
    if status not in REPORTING_STATUSES:
        return False
    try:
        start = parse_iso_date(valid_from)
        end = parse_iso_date(valid_to)
    except ValueError:
        return False
    return start <= quarter_end(year, quarter) and end >= quarter_start(year, quarter)


# -- quarterly report (Art. 19) --------------------------------------------------------------

def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def validate_report(data: Mapping[str, Any], quarter: int) -> list[dict[str, str]]:
    """Errors ``{field, message}`` of one quarterly report; Q4 must carry the summary and plan."""
    errors: list[dict[str, str]] = []
    for name, (label, kind) in REPORT_FIELDS.items():
        value = _number(data.get(name))
        if value is None:
            errors.append({"field": name, "message": f"请填写{label}"})
        elif value < 0:
            errors.append({"field": name, "message": f"{label}不能为负数"})
        elif kind == "count" and value != int(value):
            errors.append({"field": name, "message": f"{label}应为整数"})
        elif kind == "percent" and value > 100:
            errors.append({"field": name, "message": f"{label}应在 0–100 之间"})
    if int(quarter) == 4:
        for name, label in Q4_FIELDS.items():
            if not str(data.get(name) or "").strip():
                errors.append({"field": name, "message": f"第四季度须一并报送{label}（{ART_19}）"})
    return errors


def report_figures(data: Mapping[str, Any]) -> dict[str, Any]:
    """The report's figures as stored (numbers, plus the Q4 texts when present)."""
    out: dict[str, Any] = {}
    for name in REPORT_FIELDS:
        v = _number(data.get(name))
        out[name] = v if v is None or REPORT_FIELDS[name][1] != "count" else int(v)
    for name in Q4_FIELDS:
        if str(data.get(name) or "").strip():
            out[name] = str(data[name]).strip()
    return out


@handler("supervision_check_report")
def check_report(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 19: check the quarterly report before it goes to the county."""
    errors = validate_report(data, int(data.get("quarter") or 0))
    return {"report_errors": errors, "report_valid": not errors}


# -- county aggregate (Art. 19) --------------------------------------------------------------

def aggregate_reports(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One county's quarter: totals over accepted reports; who is late and who has not reported.

    ``reports``: ``{credit_code, unit_name, status, late, figures}`` per platform that must report.
    """
    rows = list(reports)
    accepted = [r for r in rows if r.get("status") == "accepted"]
    totals: dict[str, float] = {f: 0.0 for f in SUM_FIELDS}
    for r in accepted:
        figs = r.get("figures") or {}
        for f in SUM_FIELDS:
            totals[f] += _number(figs.get(f)) or 0.0
    averages: dict[str, float | None] = {}
    for f in AVG_FIELDS:
        vals = [v for r in accepted if (v := _number((r.get("figures") or {}).get(f))) is not None]
        averages[f] = round(sum(vals) / len(vals), 2) if vals else None
    return {
        "platforms": len(rows),
        "accepted": len(accepted),
        "pending": sorted(str(r.get("credit_code")) for r in rows
                          if r.get("status") in ("submitted",)),
        "missing": sorted(str(r.get("credit_code")) for r in rows
                          if r.get("status") in ("open", "returned", "missing")),
        "late": sorted(str(r.get("credit_code")) for r in rows if r.get("late")),
        "totals": {k: (int(v) if k in ("smes_served", "activities", "trainees") else round(v, 4))
                   for k, v in totals.items()},
        "averages": averages,
        # Art. 19: the fourth quarter carries each platform's work summary and next year's plan
        "work_summaries": [{"credit_code": str(r.get("credit_code")), "unit_name": str(r.get("unit_name") or ""),
                            **{k: str((r.get("figures") or {}).get(k) or "") for k in Q4_FIELDS}}
                           for r in accepted if any((r.get("figures") or {}).get(k) for k in Q4_FIELDS)],
    }


@handler("supervision_aggregate")
def county_aggregate(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 19: the county's aggregate of its platforms' reports for the quarter."""
    reports = ctx.lookups.query("supervision.county_reports", county=data.get("county"),
                                year=int(data["year"]), quarter=int(data["quarter"]))
    return {"aggregate": aggregate_reports(reports), "aggregated_at": ctx.now.isoformat()}


# -- spot checks (Art. 21) -------------------------------------------------------------------

def draw_spot_check(candidates: Sequence[str], n: int, seed: str) -> list[str]:
    """Pick ``n`` of ``candidates`` at random, reproducibly from ``seed`` (audit: seed + picks)."""
    if n < 1:
        raise ValueError("抽查数量至少为 1")
    pool = sorted(set(candidates))
    rng = random.Random(str(seed))
    return sorted(rng.sample(pool, min(n, len(pool))))


# -- inspections and revocation (Art. 20, 21) ------------------------------------------------

def inspection_outcome(data: Mapping[str, Any]) -> dict[str, Any]:
    """An inspection that fails (Art. 20: poor service, no violation) or establishes a violation of
    law or regulation (Art. 21: 违法违规, by a spot check or a county inspection alike) asks for
    revocation; the article follows the finding, not who inspected: only a violation brings the
    3-year ban."""
    verdict = str(data.get("verdict") or "")
    if verdict not in VERDICTS:
        raise ValueError(f"检查结论应为 {', '.join(VERDICTS)} 之一：{verdict!r}")
    requested = verdict != "pass"
    violation = verdict == "violation"
    article = ART_21 if violation else ART_20
    details = " ".join(str(data.get(k) or "").strip() for k in ("violation_details", "findings")).strip()
    reason = details or ("检查发现违法违规行为" if violation else "检查不合格")
    return {"revocation_requested": requested, "revocation_article": article if requested else None,
            "revocation_reason": reason if requested else None}


@handler("supervision_inspection_outcome")
def inspection_outcome_handler(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 20/21: does the inspection lead to a revocation request, under which article?"""
    return inspection_outcome(data)


def revocation_data(article: str, reason: str, revoked_on: date | str) -> dict[str, Any]:
    """Art. 20: revoked, reason and article recorded; Art. 21 adds the 3-year ban from that date."""
    if article not in (ART_20, ART_21):
        raise ValueError(f"撤销依据应为{ART_20}或{ART_21}：{article!r}")
    if not str(reason or "").strip():
        raise ValueError("撤销须写明原因")
    day = parse_iso_date(revoked_on)
    return {"article": article, "reason": str(reason).strip(), "revoked_on": day.isoformat(),
            "ban_until": ban_until(day).isoformat() if article == ART_21 else None}


@handler("supervision_revocation")
def revocation_handler(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 20/21: the revocation confirmed by the municipal bureau (applied by the runtime)."""
    local = ctx.now.astimezone(_CST).date()
    return {"revocation": revocation_data(str(data.get("revocation_article")),
                                          str(data.get("revocation_reason") or ""), local)}


def expiry_reminder_due(valid_to: Any, status: str, today: date) -> bool:
    """Art. 17: in the calendar year the recognition expires, remind that re-application is open."""
    if status != "recognised":
        return False
    try:
        end = parse_iso_date(valid_to)
    except ValueError:
        return False
    return end.year == today.year and not validity_expired(end, today)
