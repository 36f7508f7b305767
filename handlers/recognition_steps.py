"""Service-task entry points of the recognition diagram beyond the checks (Art. 12–15, 17).

Pure: facts from the database arrive through ``ctx.lookups`` (implemented in processes.recognition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from handlers.certificates import DEFAULT_CERTIFICATE_FORMAT, certificate_number, parse_iso_date, validity_period
from handlers.checks import FUNCTIONS, JUDGMENT_ITEMS, RELAXED_RULE, checklist_rule, failed_results
from handlers.registry import HandlerContext, handler
from handlers.sampling import SURVEY_METHODS

BEIJING = timezone(timedelta(hours=8))

# Art. 12: the 13 materials, bound in this order (docs/DOMAIN.md §5)
MATERIALS: dict[str, str] = {
    "m01": "推荐表（附件1）",
    "m02": "申请报告（附件2）",
    "m03": "法人证书或营业执照副本（复印件）",
    "m04": "上年度专项审计报告及服务收入、支出审计",
    "m05": "固定经营服务场所证明（产权证或租赁合同）",
    "m06": "开展服务的证明材料（通知、照片、总结等）",
    "m07": "“信用中国”无不良和失信记录的信用报告",
    "m08": "省级以上资质、网站ICP备案、相关许可证",
    "m09": "与合作服务机构的合作协议",
    "m10": "收费标准及对小微企业的收费优惠办法；公益性或低收费服务证明",
    "m11": "上年末社保缴纳名单、人员学历及职称证书",
    "m12": "其他证明材料及材料真实性声明（签字盖章）",
    "m13": "为“专精特新”、瞪羚等企业服务的证明",
}
SYSTEM_MATERIALS = ("m01", "m02")  # produced by the system from the forms
DEFAULT_REQUIRED = tuple(k for k in MATERIALS if k not in SYSTEM_MATERIALS)


def beijing_date(now: datetime) -> date:
    """Dates of this procedure are Beijing dates (a timer at 00:00 CST is still yesterday in UTC)."""
    return now.astimezone(BEIJING).date()


def missing_materials(required: Sequence[str], present: Sequence[str]) -> list[dict[str, str]]:
    """Art. 12: the required materials not uploaded yet, in binding order."""
    have = set(present)
    return [{"mkey": k, "name": MATERIALS.get(k, k)} for k in required if k not in have]


@handler("resolve_round")
def resolve_round(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 15: recognition runs once a year; the application belongs to the round open today."""
    found = ctx.lookups.query("open_round")
    if not found:
        return {"round_id": None, "ineligible_reasons": [{
            "rule": "round", "article": "第十五条",
            "message": "当前没有开放的年度申报批次，请关注市工业和信息化局的年度申报通知"}]}
    return {"round_id": found["id"], "round_year": found["year"], "round_name": found["name"],
            "submission_deadline": found["submission_deadline"]}


@handler("check_materials")
def check_materials(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 12: every required upload (m03…m13 unless the diagram says otherwise) is present."""
    required = data.get("required_materials")
    if not isinstance(required, list) or not required:
        required = list(DEFAULT_REQUIRED)
    present = ctx.lookups.query("materials_of", business_key=ctx.business_key) or []
    missing = missing_materials([str(k) for k in required], [str(k) for k in present])
    message = ""
    if missing:
        message = "第十二条：以下材料尚未上传：" + "；".join(f"{m['mkey']} {m['name']}" for m in missing)
    return {"materials_missing": missing, "materials_message": message}


@handler("assess_submission")
def assess_submission(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """What the submission leads to. The bars to applying at all — Art. 15 (the round, its deadline,
    once per round), Art. 17 (already recognised), Art. 21 (the 3-year ban) — end the application
    (``qualified`` False, ``ineligible_reasons``). The computed Art. 7 and Art. 8 results do not: the
    county recommends or declines (Art. 10). Failed rules go to the county flagged
    (``flagged_rules``), with a decline prefilled from them (``decline_reasons``, ``county_opinion``),
    each citing its article."""
    reasons: list[dict[str, Any]] = [dict(r) for r in data.get("eligibility_reasons") or []
                                     if isinstance(r, Mapping)]
    today = beijing_date(ctx.now)
    deadline = data.get("submission_deadline")
    if deadline:
        try:
            if today > parse_iso_date(deadline):
                reasons.append({"rule": "round_closed", "article": "第十五条",
                                "message": f"本年度申报已于 {deadline} 截止"})
        except ValueError:
            pass
    results = [r for r in data.get("check_results") or [] if isinstance(r, Mapping)]
    flagged = failed_results(results)
    out: dict[str, Any] = {"qualified": not reasons, "ineligible_reasons": reasons,
                           "submitted_at": ctx.now.isoformat(), "flagged_rules": flagged,
                           "decline_reasons": [dict(r) for r in flagged]}
    if flagged and not str(data.get("county_opinion") or "").strip():
        out["county_opinion"] = decline_text(flagged)
    return out


def decline_text(reasons: Sequence[Mapping[str, Any]]) -> str:
    """The county's opinion prefilled from the failed rules (Art. 10), one line per rule."""
    lines = [f"{r.get('article') or ''} {r.get('rule')}：{r.get('message') or ''}".strip() for r in reasons]
    return "经核查，申报单位不符合以下条件，不予推荐：\n" + "\n".join(lines)


@handler("check_review_form")
def check_review_form(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 13: a return for supplement or a rejection needs reasons; the panel needs known experts."""
    errors: list[dict[str, str]] = []
    action = data.get("review_action")
    reasons = data.get("review_reasons")
    if action in ("supplement", "reject") and not (isinstance(reasons, str) and reasons.strip()):
        what = "退回补正" if action == "supplement" else "不予通过"
        errors.append({"field": "review_reasons", "message": f"第十三条：{what}须说明理由"})
    if action == "proceed":
        experts = data.get("experts")
        if not isinstance(experts, list) or not experts or not all(isinstance(e, str) and e for e in experts):
            errors.append({"field": "experts", "message": "请选择至少一名评审专家（用户名列表）"})
        elif len(set(experts)) != len(experts):
            errors.append({"field": "experts", "message": "评审专家不能重复"})
        else:
            known = set(ctx.lookups.query("expert_usernames") or [])
            unknown = [e for e in experts if e not in known]
            if unknown:
                errors.append({"field": "experts", "message": f"以下用户不是专家：{'、'.join(unknown)}"})
    return {"review_errors": errors}


def panel_result(reviews: Sequence[Mapping[str, Any]], pass_ratio: float) -> dict[str, Any]:
    """Art. 13, 附件1 专家组评审意见: the panel passes when approvals / members ≥ ``pass_ratio``
    (1.0 = all must approve). Compared without division, so 2 of 3 meets 2/3 exactly."""
    if not 0 < pass_ratio <= 1:
        raise ValueError(f"expert_pass_ratio 应在 (0, 1] 之间：{pass_ratio!r}")
    total = len(reviews)
    approvals = sum(1 for r in reviews if r.get("verdict") == "approve")
    scores = [float(r["score"]) for r in reviews if isinstance(r.get("score"), (int, float))]
    passed = total > 0 and approvals >= pass_ratio * total - 1e-9
    mean = round(sum(scores) / len(scores), 1) if scores else None
    rule = "全体同意" if pass_ratio >= 1 else f"同意比例不低于 {pass_ratio:.0%}"
    message = (f"专家组 {total} 人，同意 {approvals} 人，平均分 {mean if mean is not None else '—'}；"
               f"通过规则：{rule}；结论：{'通过' if passed else '未通过'}")
    return {"passed": passed, "approvals": approvals, "total": total, "pass_ratio": pass_ratio,
            "mean_score": mean, "message": message}


@handler("expert_panel_outcome")
def expert_panel_outcome(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 13: the expert panel's outcome under the diagram's rule ``expert_pass_ratio``."""
    reviews = [r for r in data.get("expert_reviews") or [] if isinstance(r, Mapping)]
    ratio = data.get("expert_pass_ratio", 1.0)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
        raise ValueError(f"expert_pass_ratio must be a number, got {ratio!r}")
    summary = panel_result(reviews, float(ratio))
    return {"panel_passed": summary["passed"], "panel_summary": summary}


def grant_data(grant_day: date, seq: int, fmt: str = DEFAULT_CERTIFICATE_FORMAT) -> dict[str, Any]:
    """Art. 14 certificate number and Art. 17 validity (grant date + 3 years)."""
    valid_from, valid_to = validity_period(grant_day)
    return {"certificate_no": certificate_number(grant_day.year, seq, fmt), "certificate_year": grant_day.year,
            "certificate_seq": seq, "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()}


@handler("grant_recognition")
def grant_recognition(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 14, 17: grant the title — certificate number (next in the year) and validity."""
    day = beijing_date(ctx.now)
    seq = ctx.lookups.query("next_certificate_seq", year=day.year)
    fmt = str(ctx.settings.get("certificate_format") or DEFAULT_CERTIFICATE_FORMAT)
    return {**grant_data(day, int(seq), fmt), "granted_at": ctx.now.isoformat()}


# County checklist items (Art. 7, Art. 8, docs/DOMAIN.md §4): rule → form field ``confirm_<rule>``
JUDGMENT_RULES = (*JUDGMENT_ITEMS, RELAXED_RULE, *(checklist_rule(f[0]) for f in FUNCTIONS.values() if f[3]))
SURVEY_COLUMNS = ("enterprise", "person", "post", "phone", "service")


def confirm_field(rule: str) -> str:
    """The county form's check box of a checklist item: ``7.2e`` → ``confirm_7_2e``."""
    return "confirm_" + rule.replace(".", "_")


@handler("survey_template")
def survey_template(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 11, 附件1: the county's evaluation form, pre-filled with the drawn enterprises (ratings
    empty; a row replaced by the next drawn enterprise names the one it replaces and why)."""
    rows = [r for r in data.get("survey_sample") or [] if isinstance(r, Mapping)]
    samples = [{**{k: str(r.get(k) or "") for k in SURVEY_COLUMNS}, "rating": "", "replaces": "",
                "replacement_reason": ""} for r in rows]
    return {"survey_samples": samples}


@handler("county_form")
def county_form(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 10, 11: the county's form as the checks read it — ``survey`` {methods, samples}, the
    checklist ``confirmations`` (rule → bool) from the ``confirm_7_1a``… check boxes, whether the
    relaxed column's condition is confirmed (7.R, ``relaxed_confirmed``), and what the decision
    still lacks (``county_form_errors``): a recommendation needs the county's opinion, a decline its
    reasons (prefilled from the failed rules, so one step is enough)."""
    confirmations = dict(data.get("confirmations") or {}) if isinstance(data.get("confirmations"), Mapping) else {}
    for rule in JUDGMENT_RULES:
        value = data.get(confirm_field(rule))
        if isinstance(value, bool):
            confirmations[rule] = value
    samples = data.get("survey_samples")
    # 附件1 测评方法: more than one may apply (the ticked boxes; an older form's single method too)
    methods = [m for m in SURVEY_METHODS if data.get(f"survey_method_{m}") is True or data.get("survey_method") == m]
    survey = {"method": methods[0] if methods else None, "methods": methods,
              "samples": samples if isinstance(samples, list) else []}
    errors: list[dict[str, str]] = []
    decision = data.get("county_decision")
    opinion = str(data.get("county_opinion") or "").strip()
    reasons = [r for r in data.get("decline_reasons") or [] if isinstance(r, Mapping) and str(r.get("message") or "")]
    if decision == "recommend" and not opinion:
        errors.append({"field": "county_opinion", "message": "第十条：推荐须填写县级主管部门推荐意见"})
    if decision == "decline" and not opinion and not reasons:
        errors.append({"field": "county_opinion", "message": "第十条：不予推荐须说明理由"})
    return {"survey": survey, "confirmations": confirmations,
            "relaxed_confirmed": confirmations.get(RELAXED_RULE) is True, "county_form_errors": errors}


@handler("publicity_objections")
def publicity_objections(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 13, 14: where publicity stands. Any number of objections may be filed during the period,
    also while one is being investigated; each is investigated in turn (``pending_objection``, also
    put in ``objection`` for the investigation form). Upheld → not granted (``objections_upheld``);
    the grant waits until the period is over (``publicity_over``) and every objection is decided.

    The objections filed come from the ``objections_of`` lookup; the decisions are the workflow's
    own ``objection_history`` (so a decision just taken counts before it reaches any table)."""
    filed = [o for o in ctx.lookups.query("objections_of", business_key=ctx.business_key) or []
             if isinstance(o, Mapping)]
    history = [h for h in data.get("objection_history") or [] if isinstance(h, Mapping)]
    decided = {h.get("objection_id") for h in history if h.get("objection_id") is not None}
    pending = [dict(o) for o in filed if o.get("id") not in decided]
    end = data.get("publicity_end")
    try:
        over = end is not None and ctx.now >= datetime.fromisoformat(str(end))
    except ValueError:
        raise ValueError(f"publicity_end must be an ISO date-time, got {end!r}") from None
    out: dict[str, Any] = {"objections_filed": len(filed), "objections_pending": len(pending),
                           "pending_objection": pending[0] if pending else None,
                           "objections_upheld": any(h.get("decision") == "upheld" for h in history),
                           "publicity_over": over}
    if pending:
        out["objection"] = pending[0]
    return out
