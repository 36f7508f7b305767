"""May this unit apply in this round at all? (docs/DOMAIN.md §4 "Eligibility to apply at all")

Facts come in as plain dicts (the runtime looks them up); the function only decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from handlers.certificates import parse_iso_date, reapply_allowed_from

STATUS_RECOGNISED = "recognised"


def _reason(rule: str, article: str, message: str) -> dict[str, str]:
    return {"rule": rule, "article": article, "message": message}


def eligibility_reasons(
    credit_code: object,
    round_id: object,
    today: date,
    open_applications: Iterable[Mapping[str, Any]],
    register_entries: Iterable[Mapping[str, Any]],
    *,
    current_business_key: str | None = None,
) -> list[dict[str, str]]:
    """Refusal reasons ``{rule, article, message}``; an empty list means the unit may apply.

    The unit is identified by its unified social credit code. A malformed code (wrong check digit …)
    is a form error refused at entry, not an Art. 15 result: it is not judged here.

    - ``one_per_round`` (Art. 15: one recognition round a year): no other open application
      of the unit in the same round (``current_business_key`` excludes the application
      being checked);
    - ``recognised`` (Art. 17): not currently recognised, unless the recognition expires in
      this calendar year (may re-apply in the expiry year);
    - ``banned`` (Art. 21): no application within 3 years of a revocation (``ban_until`` > today).
    """
    reasons: list[dict[str, str]] = []
    others = [a for a in open_applications
              if a.get("round_id") == round_id
              and (current_business_key is None or a.get("business_key") != current_business_key)]
    if others:
        keys = "、".join(str(a.get("business_key")) for a in others)
        reasons.append(_reason("one_per_round", "第十五条",
                               f"该单位在本批次已有未办结的申报（{keys}），不能重复申报"))

    for entry in register_entries:
        if entry.get("status") == STATUS_RECOGNISED:
            reason = _recognised_reason(entry, today)
            if reason is not None:
                reasons.append(reason)
        reason = _ban_reason(entry, today)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _recognised_reason(entry: Mapping[str, Any], today: date) -> dict[str, str] | None:
    """Art. 17: a recognised platform may apply again only in the year its recognition expires."""
    try:
        valid_to = parse_iso_date(entry.get("valid_to"))
    except ValueError:
        # A recognised entry without a readable end date: refuse rather than guess.
        return _reason("recognised", "第十七条",
                       "该单位已被认定为示范平台，但登记的有效期无法识别，请联系市工业和信息化局核实")
    if valid_to < today or valid_to.year == today.year:
        return None
    allowed = reapply_allowed_from(valid_to)
    return _reason("recognised", "第十七条",
                   f"该单位已被认定为示范平台，有效期至 {valid_to.isoformat()}，"
                   f"有效期满当年（自 {allowed.isoformat()} 起）方可再次申报")


def _ban_reason(entry: Mapping[str, Any], today: date) -> dict[str, str] | None:
    """Art. 21: revoked after a spot check → no application for 3 years."""
    raw = entry.get("ban_until")
    if raw in (None, ""):
        return None
    try:
        until = parse_iso_date(raw)
    except ValueError:
        return _reason("banned", "第二十一条",
                       "该单位有撤销称号记录，但禁止申报期限无法识别，请联系市工业和信息化局核实")
    if until <= today:
        return None
    return _reason("banned", "第二十一条",
                   f"该单位示范平台称号已被撤销，{until.isoformat()} 前不得申报")
