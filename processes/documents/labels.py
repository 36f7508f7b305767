"""Names, not codes: the Chinese labels every generated document, page and export prints.

Pure: codes in, Chinese text out. County names come from ``config/counties.toml`` (passed in as a
mapping); dates are printed as on paper, ``2026年9月28日``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8))
ISSUER = "聊城市工业和信息化局"
MEASURE = "《聊城市中小企业公共服务示范平台认定管理办法》（聊工信发〔2021〕115号）"
TITLE = "聊城市中小企业公共服务示范平台"

NATURE_NAMES = {"enterprise": "企业", "public_institution": "事业单位", "social_organization": "社团法人"}
# 附件1: three levels of the county's evaluation
RATING_NAMES = {"very_satisfied": "很满意", "satisfied": "基本满意", "unsatisfied": "不满意"}
# 附件1 测评方法, in the order of the form
METHOD_NAMES = {"visit": "上门拜访", "phone": "电话询问", "online": "网络互动", "written": "书面征求", "other": "其他"}
FUNCTION_NAMES = {"information": "信息服务", "technology": "技术服务", "startup": "创业服务", "training": "培训服务",
                  "financing": "融资服务", "consulting": "咨询服务", "legal": "法律服务"}
VERDICT_NAMES = {"approve": "同意", "reject": "不同意"}
APPLICATION_STATUS_NAMES = {
    "draft": "填报中", "at_county": "县级推荐中", "under_review": "市局审核中", "supplement": "补正中",
    "onsite_check": "现场核实中", "expert_panel": "专家评审中", "publicity": "公示中", "objection": "异议核查中",
    "ineligible": "不符合申报条件", "declined": "县级不予推荐", "rejected": "审核未通过",
    "objection_upheld": "异议成立，不予认定", "withdrawn": "已撤回", "granted": "已认定", "terminated": "已终止",
}
FINAL_OUTCOMES = {"ineligible", "declined", "rejected", "objection_upheld", "withdrawn", "granted", "terminated"}
REGISTER_STATUS_NAMES = {"recognised": "有效", "expired": "已到期", "revoked": "已撤销"}
REPORT_STATUS_NAMES = {"open": "待填报", "submitted": "待县级审核", "returned": "退回修改", "accepted": "已接收",
                       "cancelled": "已终止"}
ROLE_NAMES = {"applicant": "申报单位", "county_officer": "县级主管部门", "municipal_reviewer": "市局审核员",
              "expert": "评审专家", "process_owner": "流程管理员", "admin": "系统管理员"}
# the ground of a revocation, by article (supervision stores the article as 第二十条 / 第二十一条)
REVOCATION_GROUNDS = {"第二十条": "经县级主管部门检查不合格", "第二十一条": "在有效期内有违法违规行为，经查实"}


def county_name(code: Any, names: Mapping[str, str]) -> str:
    """The county's Chinese name (东昌府区 for ``dongchangfu``); an unknown code stays as given."""
    if code in (None, ""):
        return ""
    return names.get(str(code), str(code))


def as_date(value: Any) -> date | None:
    """A date from an ISO string, a date or an aware datetime (read in Beijing time)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return (value.astimezone(BEIJING) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) > 10:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (dt.astimezone(BEIJING) if dt.tzinfo else dt).date()
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def cn_date(value: Any, blank: str = "") -> str:
    """``2026年9月28日``: dates as they are written on paper."""
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日" if d else blank


def cn_period(start: Any, end: Any) -> str:
    """``2026年9月29日至10月10日`` (the year once when both days fall in it)."""
    a, b = as_date(start), as_date(end)
    if a is None or b is None:
        return ""
    tail = f"{b.month}月{b.day}日" if a.year == b.year else cn_date(b)
    return f"{cn_date(a)}至{tail}"


def cn_datetime(value: Any) -> str:
    """An instant as Beijing time, ``2026-09-28 09:00`` (exports)."""
    if value in (None, ""):
        return ""
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return (dt.astimezone(BEIJING) if dt.tzinfo else dt).strftime("%Y-%m-%d %H:%M")


def yes_no(value: Any) -> str:
    if value in (True, "true", "True", "是", 1):
        return "是"
    if value in (False, "false", "False", "否", 0):
        return "否"
    return ""


def number(value: Any, digits: int = 2) -> str:
    """A figure without trailing zeros (``260``, ``32.5``); blank when absent."""
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{f:.{digits}f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def percent(part: Any, whole: Any) -> str:
    """``part`` as a share of ``whole`` in %, one decimal; blank when either is missing or zero."""
    try:
        p, w = float(part), float(whole)
    except (TypeError, ValueError):
        return ""
    return number(100 * p / w, 1) if w else ""


def served_satisfied(row: Mapping[str, Any]) -> bool | None:
    """附件2(四) has two levels, 满意/不满意: 很满意 and 基本满意 both count as 满意."""
    if isinstance(row.get("satisfied"), bool):
        return bool(row["satisfied"])
    rating = row.get("satisfaction")
    if rating in ("very_satisfied", "satisfied", "满意", "很满意", "基本满意"):
        return True
    if rating in ("unsatisfied", "不满意"):
        return False
    return None


def revocation_ground(article: Any) -> str:
    """Art. 20 (failed inspection) or Art. 21 (violation, 3-year ban) in words."""
    return REVOCATION_GROUNDS.get(str(article or "").strip(), "")
