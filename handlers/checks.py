"""Automatic checks of an application against Art. 7 and Art. 8 (docs/DOMAIN.md §4).

Each check yields a result ``{rule, article, passed, value, threshold, message, kind}``:

- ``kind="computed"``: decided from the numbers of the application (附件2);
- ``kind="judgment"``: a checklist item a reviewer confirms; ``passed`` is None until the
  application data carries ``confirmations[rule]`` as a bool;
- ``kind="warning"``: completeness and consistency hints for the reviewer (附件2 list sizes,
  cross-checks); they never decide eligibility.

Thresholds are never written into the checks: they come from :class:`Thresholds` and
:class:`Art8Thresholds`, normally filled from a DMN decision table. Bad or missing user data
gives a failed result naming the field; the checks never raise on user data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from itertools import pairwise
from typing import Any, TypeVar

from handlers.certificates import add_years, parse_iso_date

RELAXED_NATURES = frozenset({"public_institution", "social_organization"})
UNIT_NATURES = frozenset({"enterprise"}) | RELAXED_NATURES

# Art. 7 last paragraph: the relaxed column for a public-institution or social-organisation host.
RELAXED_ASSETS_MIN_WAN = 100
RELAXED_STAFF_MIN = 5

KIND_COMPUTED = "computed"
KIND_JUDGMENT = "judgment"
KIND_WARNING = "warning"


@dataclass(frozen=True)
class Thresholds:
    """Art. 7 thresholds (enterprise column by default) and the 附件2 completeness sizes."""

    operating_years_min: int = 2  # Art. 7(一) 运营两年以上
    assets_min_wan: float = 200  # Art. 7(一)
    smes_served_min: float = 80  # Art. 7(二)
    titled_min: float = 5  # Art. 7(二)
    satisfaction_min: float = 90  # Art. 7(二), %
    growth_years: int = 2  # Art. 7(二) 近两年稳步增长: two yearly figures, one comparison
    partner_min: float = 3  # Art. 7(三)
    low_fee_share_min: float = 10  # Art. 7(四), %
    staff_min: float = 10  # Art. 7(五)
    qualified_share_min: float = 80  # Art. 7(五), %
    staff_list_min: float = 20  # 附件2(三) 不少于20人 (warning only)
    served_list_min: float = 120  # 附件2(四) 120家以上 (warning only)
    satisfaction_tolerance: float = 5  # points between the stated and the list's satisfaction

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], base: Thresholds | None = None) -> Thresholds:
        """Thresholds from a DMN result (Art. 7); missing keys keep ``base`` (default: the measure's).

        Unknown keys are ignored; a known key with a non-numeric value raises ValueError
        (a configuration error, not user data).
        """
        return _from_mapping(cls, values, base or cls())

    @classmethod
    def for_nature(cls, unit_nature: Any, relaxed_confirmed: Any = False) -> Thresholds:
        """The measure's own values for a host of this nature (Art. 7 last paragraph).

        The relaxed column (assets ≥ 100 万元, staff ≥ 5) needs both halves of the paragraph: a
        public institution or social organisation host **and** the county's confirmation that its
        results are outstanding with a clear demonstration effect (checklist item 7.R). Otherwise
        the enterprise column applies, whatever the unit's nature.
        """
        if relaxed_applies(unit_nature, relaxed_confirmed):
            return cls(assets_min_wan=RELAXED_ASSETS_MIN_WAN, staff_min=RELAXED_STAFF_MIN)
        return cls()


def relaxed_applies(unit_nature: Any, relaxed_confirmed: Any) -> bool:
    """Art. 7 last paragraph: 事业单位/社团法人 host **and** 7.R confirmed by the county."""
    return unit_nature in RELAXED_NATURES and relaxed_confirmed is True


@dataclass(frozen=True)
class Art8Thresholds:
    """Art. 8 yearly thresholds per service function."""

    information_offline_smes_min: float = 80  # Art. 8(一)
    information_activities_min: float = 5  # Art. 8(一)
    technology_activities_min: float = 5  # Art. 8(二)
    startup_activities_min: float = 5  # Art. 8(三)
    training_trainees_min: float = 800  # Art. 8(四)
    financing_activities_min: float = 5  # Art. 8(五)
    financing_yi_min: float = 3  # Art. 8(五), 亿元
    guarantee_new_yi_min: float = 10  # Art. 8(五), 亿元, guarantee institutions
    consulting_activities_min: float = 4  # Art. 8(六)
    legal_activities_min: float = 4  # Art. 8(七)

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], base: Art8Thresholds | None = None
    ) -> Art8Thresholds:
        """Art. 8 thresholds from a DMN result; same rules as :meth:`Thresholds.from_mapping`."""
        return _from_mapping(cls, values, base or cls())


_T = TypeVar("_T", Thresholds, Art8Thresholds)


def _from_mapping(cls: type[_T], values: Mapping[str, Any], base: _T) -> _T:
    if not isinstance(values, Mapping):
        raise ValueError(f"{cls.__name__} 配置应为映射：{values!r}")
    changes: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in values or values[f.name] is None:
            continue
        raw = values[f.name]
        number: float | None = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            number = raw
        elif isinstance(raw, str):
            try:
                number = float(raw.strip())
            except ValueError:
                number = None
        if number is None or not math.isfinite(number) or number < 0:
            raise ValueError(f"阈值 {f.name} 配置无效：{raw!r}")
        if f.type == "int":  # year counts feed date arithmetic
            if number != int(number):
                raise ValueError(f"阈值 {f.name} 应为整数：{raw!r}")
            number = int(number)
        changes[f.name] = number
    return replace(base, **changes)


@dataclass(frozen=True)
class CheckResult:
    """One rule's outcome, citing the article that decides it (docs/DOMAIN.md §8)."""

    rule: str
    article: str
    passed: bool | None
    value: Any
    threshold: Any
    message: str
    kind: str = KIND_COMPUTED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _FieldError(Exception):
    """A missing or unusable field; the message (Chinese) names it."""


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return str(int(x)) if x.is_integer() else str(round(x, 4))
    return str(x)


def _read_number(
    source: Mapping[str, Any],
    key: str,
    label: str,
    *,
    path: str | None = None,
    integer: bool = False,
    maximum: float | None = None,
) -> float:
    name = path or key
    raw = source.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _FieldError(f"缺少{label}（{name}）")
    number: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise _FieldError(f"{label}（{name}）不是有效数字：{raw!r}")
    if number < 0:
        raise _FieldError(f"{label}（{name}）不能为负数：{_fmt(number)}")
    if integer and not float(number).is_integer():
        raise _FieldError(f"{label}（{name}）应为整数：{_fmt(number)}")
    if maximum is not None and number > maximum:
        raise _FieldError(f"{label}（{name}）不能大于 {_fmt(maximum)}：{_fmt(number)}")
    return number


def _at_least(
    app: Mapping[str, Any],
    *,
    rule: str,
    article: str,
    key: str,
    label: str,
    unit: str,
    threshold: float,
    integer: bool = False,
    maximum: float | None = None,
) -> CheckResult:
    """``app[key] >= threshold``: "以上"/"不低于"/"不少于" include the threshold (docs/DOMAIN.md §4)."""
    try:
        value = _read_number(app, key, label, integer=integer, maximum=maximum)
    except _FieldError as exc:
        return CheckResult(rule, article, False, None, threshold, str(exc))
    passed = value >= threshold
    verdict = "符合" if passed else "不符合"
    message = f"{label} {_fmt(value)}{unit}，要求不低于 {_fmt(threshold)}{unit}，{verdict}"
    return CheckResult(rule, article, passed, value, threshold, message)


# --- Art. 7 -----------------------------------------------------------------------------------


def check_operating_years(
    app: Mapping[str, Any], t: Thresholds, submission_date: date
) -> CheckResult:
    """Art. 7(一): operating two years or more — registration date ≤ submission date − 2 years."""
    latest = add_years(submission_date, -t.operating_years_min)
    rule, article = "7.1b", "第七条(一)"
    raw = app.get("registration_date")
    if raw is None or raw == "":
        return CheckResult(rule, article, False, None, latest.isoformat(),
                           "缺少成立（注册）日期（registration_date）")
    try:
        registered = parse_iso_date(raw)
    except ValueError:
        return CheckResult(rule, article, False, raw, latest.isoformat(),
                           f"成立（注册）日期（registration_date）格式无效：{raw!r}")
    passed = registered <= latest
    verdict = "符合" if passed else "不符合"
    message = (f"成立日期 {registered.isoformat()}，运营{t.operating_years_min}年以上要求不晚于 "
               f"{latest.isoformat()}，{verdict}")
    return CheckResult(rule, article, passed, registered.isoformat(), latest.isoformat(), message)


def check_total_assets(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(一): total assets at last year end ≥ 200 万元 (≥ 100 万元 relaxed, via ``t``)."""
    return _at_least(app, rule="7.1c", article="第七条(一)", key="total_assets_wan",
                     label="上年末资产总额", unit=" 万元", threshold=t.assets_min_wan)


def check_smes_served(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(二): SMEs served last year, 80 or more."""
    return _at_least(app, rule="7.2a", article="第七条(二)", key="smes_served_last_year",
                     label="上年服务中小企业数", unit=" 家", threshold=t.smes_served_min,
                     integer=True)


def check_titled_served(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(二): of which 专精特新 / 瞪羚 or similarly titled enterprises, at least 5."""
    return _at_least(app, rule="7.2b", article="第七条(二)", key="smes_titled_served",
                     label="服务“专精特新”、瞪羚等称号企业数", unit=" 家",
                     threshold=t.titled_min, integer=True)


def check_satisfaction(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(二): user satisfaction 90 % or more."""
    return _at_least(app, rule="7.2c", article="第七条(二)", key="satisfaction_rate",
                     label="用户满意度", unit="%", threshold=t.satisfaction_min, maximum=100)


def check_steady_growth(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(二) with 7(一): SMEs served grew steadily over the last two years.

    Decision (docs/DOMAIN.md §4): "近两年" is two yearly figures — the last full year in the
    ``yearly`` table against the year before it, one comparison (last > previous). A unit that has
    operated just over two years (7.1b) has exactly those two figures, so no third year is asked
    for; where more years are given they are shown to the reviewer (``value``) but do not decide.
    """
    rule, article = "7.2d", "第七条(二)"
    threshold = "last_year_greater_than_previous"
    needed = max(2, int(t.growth_years))
    rows = app.get("yearly")
    if not isinstance(rows, list) or not rows:
        return CheckResult(rule, article, False, None, threshold,
                           "缺少逐年经营情况表（yearly），第七条(二)需近两年服务企业数")
    series: list[tuple[int, float]] = []
    try:
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise _FieldError(f"逐年经营情况表第{i + 1}行（yearly[{i}]）格式无效")
            year = _read_number(row, "year", "年度", path=f"yearly[{i}].year", integer=True)
            served = _read_number(row, "smes_served", "服务中小企业数",
                                  path=f"yearly[{i}].smes_served", integer=True)
            series.append((int(year), served))
    except _FieldError as exc:
        return CheckResult(rule, article, False, None, threshold, str(exc))
    series.sort()
    years = [y for y, _ in series]
    if len(set(years)) != len(years):
        return CheckResult(rule, article, False, None, threshold,
                           "逐年经营情况表（yearly）中年度重复")
    value = [{"year": y, "smes_served": s} for y, s in series]
    last = series[-needed:]
    if len(last) < needed:
        return CheckResult(rule, article, False, value, threshold,
                           f"逐年经营情况表（yearly）需填写近{needed}年（上一完整年度及其前一年）的服务企业数")
    if any(b[0] != a[0] + 1 for a, b in pairwise(last)):
        return CheckResult(rule, article, False, value, threshold,
                           f"逐年经营情况表（yearly）近{needed}年应为连续年度")
    passed = all(b[1] > a[1] for a, b in pairwise(last))
    compared = "、".join(f"{y}年 {_fmt(s)} 家" for y, s in last)
    verdict = "稳步增长，符合" if passed else "未增长，不符合"
    message = f"第七条(二)近两年服务企业数：{compared}，{verdict}"
    earlier = series[:-needed]
    if earlier:  # the trend, for the reviewer only
        message += "（此前：" + "、".join(f"{y}年 {_fmt(s)} 家" for y, s in earlier) + "，仅供参考）"
    return CheckResult(rule, article, passed, value, threshold, message)


def check_partner_agencies(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(三): service agencies brought together, 3 or more."""
    return _at_least(app, rule="7.3b", article="第七条(三)", key="partner_agencies",
                     label="集聚服务机构数", unit=" 家", threshold=t.partner_min, integer=True)


def check_low_fee_share(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(四): public-interest or low-fee services ≥ 10 % of all services."""
    return _at_least(app, rule="7.4c", article="第七条(四)", key="low_fee_share",
                     label="公益性或低收费服务占比", unit="%", threshold=t.low_fee_share_min,
                     maximum=100)


def check_staff_total(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(五): staff serving SMEs, at least 10 (at least 5 relaxed, via ``t``)."""
    return _at_least(app, rule="7.5a", article="第七条(五)", key="staff_total",
                     label="从事中小企业服务人员数", unit=" 人", threshold=t.staff_min,
                     integer=True)


def check_qualified_share(app: Mapping[str, Any], t: Thresholds) -> CheckResult:
    """Art. 7(五): share of staff with 大专+ degree and 中级+ title, 80 % or more."""
    rule, article = "7.5b", "第七条(五)"
    threshold = t.qualified_share_min
    try:
        total = _read_number(app, "staff_total", "从事中小企业服务人员数", integer=True)
        qualified = _read_number(app, "staff_qualified", "大专及以上学历和中级及以上职称人员数",
                                 integer=True)
    except _FieldError as exc:
        return CheckResult(rule, article, False, None, threshold, str(exc))
    if total == 0:
        return CheckResult(rule, article, False, None, threshold,
                           "从事中小企业服务人员数（staff_total）为 0，无法计算比例")
    if qualified > total:
        return CheckResult(rule, article, False, None, threshold,
                           f"专业人员数（staff_qualified）{_fmt(qualified)} 大于人员总数 "
                           f"（staff_total）{_fmt(total)}")
    share = qualified * 100 / total
    # Compare without division so that 8 of 10 is exactly 80 %.
    passed = qualified * 100 >= threshold * total
    verdict = "符合" if passed else "不符合"
    message = (f"专业人员 {_fmt(qualified)}/{_fmt(total)} 人，占比 {share:.2f}%，"
               f"要求不低于 {_fmt(threshold)}%，{verdict}")
    return CheckResult(rule, article, passed, round(share, 2), threshold, message)


# Checklist items the county confirms (docs/DOMAIN.md §4): rule -> (article, what, evidence).
JUDGMENT_ITEMS: dict[str, tuple[str, str, str]] = {
    "7.1a": ("第七条(一)", "具有独立法人资格及从事相关服务的资质", "材料三、八"),
    "7.1d": ("第七条(一)", "财务收支状况良好，经营合法规范，在“信用中国”无不良记录和失信记录",
             "材料四、七"),
    "7.2e": ("第七条(二)", "在专业服务领域或区域内有一定的声誉和品牌影响力", "申请报告、服务证明材料"),
    "7.3a": ("第七条(三)", "有固定的经营服务场所和必要的服务设施、仪器设备", "材料五、设备清单"),
    "7.4a": ("第七条(四)", "管理制度健全、服务流程规范、收费标准合理、服务质量保证措施完善，"
             "有明确的发展规划和年度服务目标", "申请报告"),
    "7.4b": ("第七条(四)", "对小型微型企业的服务收费有相应的优惠规定", "材料十"),
    "7.5c": ("第七条(五)", "主要负责人诚信、守法，具有开拓创新精神、丰富的实践经验和较高的管理水平",
             "材料七、十二"),
}
# Art. 7 last paragraph: the second half of the relaxed column's condition, a judgment (7.R).
RELAXED_RULE = "7.R"
RELAXED_JUDGMENT = (
    RELAXED_RULE,
    "第七条第二款",
    "事业单位、社团法人主办的平台服务业绩突出、示范带动作用明显（适用资产总额、从业人数放宽条件）",
    "申请报告、推荐意见",
)


def _judgment(rule: str, article: str, what: str, evidence: str,
              confirmations: Mapping[str, Any]) -> CheckResult:
    confirmed = confirmations.get(rule)
    passed = confirmed if isinstance(confirmed, bool) else None
    if passed is None:
        message = f"待县级主管部门确认（{article}）：{what}（依据：{evidence}）"
    elif passed:
        message = f"已确认（{article}）：{what}"
    else:
        message = f"经确认不符合（{article}）：{what}"
    return CheckResult(rule, article, passed, None, None, message, KIND_JUDGMENT)


def confirmations_of(app: Mapping[str, Any]) -> Mapping[str, Any]:
    raw = app.get("confirmations")
    return raw if isinstance(raw, Mapping) else {}


def judgment_items(app: Mapping[str, Any]) -> list[CheckResult]:
    """Art. 7 checklist items (7.1a, 7.1d, 7.2e, 7.3a, 7.4a, 7.4b, 7.5c), plus the "outstanding
    results" condition of the relaxed column (7.R, Art. 7 last paragraph) for a public-institution or
    social-organisation host. ``app["confirmations"]`` maps rule → bool.
    """
    confirmations = confirmations_of(app)
    items = [_judgment(rule, *spec, confirmations) for rule, spec in JUDGMENT_ITEMS.items()]
    if app.get("unit_nature") in RELAXED_NATURES:
        items.append(_judgment(*RELAXED_JUDGMENT, confirmations))
    return items


def _relaxed_hint(app: Mapping[str, Any], result: CheckResult, relaxed_value: float) -> CheckResult:
    """Art. 7 last paragraph: a 事业单位/社团法人 host measured against the enterprise column is told
    that the relaxed value applies once the county confirms 7.R."""
    if result.passed is not False or app.get("unit_nature") not in RELAXED_NATURES:
        return result
    if not isinstance(result.threshold, (int, float)) or result.threshold <= relaxed_value:
        return result
    hint = (f"（第七条第二款：经县级主管部门确认服务业绩突出、示范带动作用明显（7.R）后，"
            f"可放宽至不低于 {_fmt(relaxed_value)}）")
    return replace(result, message=result.message + hint)


def art7_checks(
    app: Mapping[str, Any], t: Thresholds, submission_date: date
) -> list[CheckResult]:
    """Art. 7: all basic conditions, computed and checklist, in the order of the article."""
    judged = {r.rule: r for r in judgment_items(app)}
    results = [
        judged.pop("7.1a"),
        check_operating_years(app, t, submission_date),
        _relaxed_hint(app, check_total_assets(app, t), RELAXED_ASSETS_MIN_WAN),
        judged.pop("7.1d"),
        check_smes_served(app, t),
        check_titled_served(app, t),
        check_satisfaction(app, t),
        *survey_satisfaction_check(app, t),
        check_steady_growth(app, t),
        judged.pop("7.2e"),
        judged.pop("7.3a"),
        check_partner_agencies(app, t),
        judged.pop("7.4a"),
        judged.pop("7.4b"),
        check_low_fee_share(app, t),
        _relaxed_hint(app, check_staff_total(app, t), RELAXED_STAFF_MIN),
        check_qualified_share(app, t),
        judged.pop("7.5c"),
    ]
    return results + list(judged.values())


def survey_satisfaction_check(app: Mapping[str, Any], t: Thresholds) -> list[CheckResult]:
    """Art. 11 with 7(二): the county's own survey (很满意 + 基本满意 share of the drawn sample,
    ``survey_satisfaction``) against the 90 %, beside the applicant's figure. Absent until the county
    has surveyed."""
    raw = app.get("survey_satisfaction")
    if raw is None or isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return []
    threshold = t.satisfaction_min
    passed = raw >= threshold
    stated = app.get("satisfaction_rate")
    own = f"{_fmt(float(stated))}%" if isinstance(stated, (int, float)) and not isinstance(stated, bool) else "未填"
    verdict = "符合" if passed else "不符合"
    message = (f"县级测评满意度（很满意、基本满意占抽样企业比例）{_fmt(float(raw))}%，要求不低于 "
               f"{_fmt(threshold)}%，{verdict}；申报单位自报 {own}")
    return [CheckResult("7.2c.survey", "第七条(二)、第十一条", passed, raw, threshold, message)]


# --- Art. 8 -----------------------------------------------------------------------------------

# function -> (rule, article, name, the non-numeric requirements of Art. 8 the county confirms)
FUNCTIONS: dict[str, tuple[str, str, str, str]] = {
    "information": ("8.1", "第八条(一)", "信息服务",
                    "形成便于中小企业查询的、开放的信息服务系统，具有在线服务、线上线下联动功能"),
    "technology": ("8.2", "第八条(二)", "技术服务",
                   "具有组织技术服务资源的能力和良好的协同服务机制；具有专家库和新产品、新技术项目库；"
                   "具备条件的开放大型、精密仪器设备与中小企业共享"),
    "startup": ("8.3", "第八条(三)", "创业服务",
                "具有较强的创业辅导能力，建有创业项目库、《创业指南》、创业服务热线；开展相关政务代理服务"),
    "training": ("8.4", "第八条(四)", "培训服务", "具有较强的深度培训能力，有完善的培训服务评价机制"),
    "financing": ("8.5", "第八条(五)", "融资服务", ""),
    "consulting": ("8.6", "第八条(六)", "咨询服务",
                   "具有较强的调研诊断、方案制定和辅导实施能力，建立良好的服务协同和服务评价机制"),
    "legal": ("8.7", "第八条(七)", "法律服务",
              "具有较强的法律服务能力；建有《中小企业法律服务指南》、服务热线，开展法律诊断、法律体检、"
              "法律援助服务"),
}


def checklist_rule(function_rule: str) -> str:
    """The rule id of a function's Art. 8 checklist item, e.g. ``8.3.checklist``."""
    return f"{function_rule}.checklist"


# function -> [(field, label, unit, threshold attribute)] that must all be met.
_REQUIREMENTS: dict[str, list[tuple[str, str, str, str]]] = {
    "information": [
        ("offline_smes_served", "线下年服务企业", " 家", "information_offline_smes_min"),
        ("activities", "年组织服务活动", " 次", "information_activities_min"),
    ],
    "technology": [("activities", "年开展技术服务活动", " 次", "technology_activities_min")],
    "startup": [("activities", "年开展创业项目洽谈、推介活动", " 次", "startup_activities_min")],
    "training": [("trainees", "年培训", " 人次", "training_trainees_min")],
    "consulting": [("activities", "年开展公益性诊断咨询活动", " 次", "consulting_activities_min")],
    "legal": [("activities", "年开展法律体检或法律宣讲活动", " 次", "legal_activities_min")],
}


def _requirement_parts(
    row: Mapping[str, Any], index: int, reqs: Iterable[tuple[str, str, str, float]]
) -> tuple[bool, dict[str, Any], dict[str, Any], list[str]]:
    """Evaluate ``value >= threshold`` for each requirement; missing fields fail and are named."""
    ok = True
    values: dict[str, Any] = {}
    thresholds: dict[str, Any] = {}
    parts: list[str] = []
    for key, label, unit, threshold in reqs:
        thresholds[key] = threshold
        try:
            value = _read_number(row, key, label, path=f"functions[{index}].{key}")
        except _FieldError as exc:
            ok = False
            values[key] = None
            parts.append(str(exc))
            continue
        values[key] = value
        met = value >= threshold
        ok = ok and met
        parts.append(f"{label} {_fmt(value)}{unit}（要求不低于 {_fmt(threshold)}{unit}）"
                     + ("" if met else "未达到"))
    return ok, values, thresholds, parts


def _check_financing(row: Mapping[str, Any], index: int, t8: Art8Thresholds) -> CheckResult:
    """Art. 8(五): (≥ 5 activities and financing helped ≥ 3 亿元) or, for a guarantee
    institution, new guarantees ≥ 10 亿元 a year."""
    rule, article = "8.5", "第八条(五)"
    a_ok, a_values, a_thr, a_parts = _requirement_parts(row, index, [
        ("activities", "年开展融资服务活动", " 次", t8.financing_activities_min),
        ("financing_yi", "帮助中小企业融资总额", " 亿元", t8.financing_yi_min),
    ])
    is_guarantee = row.get("is_guarantee_institution") is True
    if is_guarantee:
        b_ok, b_values, b_thr, b_parts = _requirement_parts(row, index, [
            ("new_guarantee_yi", "年新增担保额", " 亿元", t8.guarantee_new_yi_min),
        ])
        b_text = "；".join(b_parts)
    else:
        b_ok, b_values, b_thr = False, {"new_guarantee_yi": row.get("new_guarantee_yi")}, {
            "new_guarantee_yi": t8.guarantee_new_yi_min}
        b_text = "非融资担保机构，不适用新增担保额条件"
    passed = a_ok or b_ok
    value = {**a_values, "is_guarantee_institution": is_guarantee, **b_values}
    threshold = {**a_thr, **b_thr}
    verdict = "符合" if passed else "不符合"
    message = f"融资服务：{'；'.join(a_parts)}；或：{b_text}。{verdict}"
    return CheckResult(rule, article, passed, value, threshold, message)


def _with_checklist(numbers: CheckResult, checklist: str, confirmations: Mapping[str, Any]) -> CheckResult:
    """docs/DOMAIN.md §4: a function counts as met with its numbers **and** its checklist. Numbers met
    but the checklist not yet confirmed: ``passed`` None (pending the county)."""
    if not checklist or numbers.passed is not True:
        return numbers
    confirmed = confirmations.get(checklist_rule(numbers.rule))
    if confirmed is True:
        return replace(numbers, message=numbers.message + f"；其他要求已确认：{checklist}")
    if confirmed is False:
        return replace(numbers, passed=False,
                       message=numbers.message.removesuffix("。符合") + f"；但经确认不具备：{checklist}。不符合")
    pending = f"；数量要求已达到，另需县级主管部门确认：{checklist}"
    return replace(numbers, passed=None, message=numbers.message.removesuffix("。符合") + pending)


def check_function(row: Any, index: int, t8: Art8Thresholds,
                   confirmations: Mapping[str, Any] | None = None) -> CheckResult:
    """Art. 8(一)–(七): one declared service function against its yearly thresholds and, where the
    article asks for more than numbers, its checklist (``confirmations["8.N.checklist"]``)."""
    if not isinstance(row, Mapping):
        return CheckResult("8.unknown", "第八条", False, None, None,
                           f"服务功能第{index + 1}项（functions[{index}]）格式无效")
    name = row.get("function")
    if name not in FUNCTIONS:
        return CheckResult("8.unknown", "第八条", False, name, sorted(FUNCTIONS),
                           f"服务功能（functions[{index}].function）无效：{name!r}")
    if name == "financing":
        return _check_financing(row, index, t8)
    rule, article, title, checklist = FUNCTIONS[name]
    reqs = [(k, label, unit, getattr(t8, attr)) for k, label, unit, attr in _REQUIREMENTS[name]]
    ok, values, thresholds, parts = _requirement_parts(row, index, reqs)
    verdict = "符合" if ok else "不符合"
    message = f"{title}：{'；'.join(parts)}。{verdict}"
    return _with_checklist(CheckResult(rule, article, ok, values, thresholds, message), checklist,
                           confirmations or {})


def function_checklists(app: Mapping[str, Any]) -> list[CheckResult]:
    """Art. 8's non-numeric requirements of each function the applicant claims, as checklist items
    (``8.N.checklist``) the county confirms."""
    rows = app.get("functions")
    confirmations = confirmations_of(app)
    claimed = {r.get("function") for r in rows if isinstance(r, Mapping)} if isinstance(rows, list) else set()
    out = []
    for name, (rule, article, title, checklist) in FUNCTIONS.items():
        if name in claimed and checklist:
            out.append(_judgment(checklist_rule(rule), article, f"{title}：{checklist}", "申请报告、服务证明材料",
                                 confirmations))
    return out


def art8_checks(app: Mapping[str, Any], t8: Art8Thresholds) -> list[CheckResult]:
    """Art. 8: one result per declared function (numbers and checklist), the checklist items, then
    the overall "8" (at least one function met; pending while the only candidates await the county)."""
    rows = app.get("functions")
    if not isinstance(rows, list) or not rows:
        return [CheckResult("8", "第八条", False, [], "至少一项",
                            "未申报服务功能（functions），第八条要求至少满足一项功能要求")]
    confirmations = confirmations_of(app)
    results = [check_function(row, i, t8, confirmations) for i, row in enumerate(rows)]
    met = [r.rule for r in results if r.passed is True]
    pending = [r.rule for r in results if r.passed is None]
    overall_passed: bool | None
    if met:
        overall_passed = True
        message = f"满足功能要求：{'、'.join(met)}，符合第八条至少一项的要求"
    elif pending:
        overall_passed = None
        message = f"功能 {'、'.join(pending)} 数量要求已达到，待县级主管部门确认其他要求后方可认定符合第八条"
    else:
        overall_passed = False
        message = "申报的服务功能均未达到第八条要求"
    results += function_checklists(app)
    results.append(CheckResult("8", "第八条", overall_passed, met, "至少一项", message))
    return results


# --- warnings: 附件2 completeness and cross-checks ---------------------------------------------


def _warning(rule: str, article: str, passed: bool, value: Any, threshold: Any,
             message: str) -> CheckResult:
    return CheckResult(rule, article, passed, value, threshold, message, KIND_WARNING)


def _row_satisfied(row: Any) -> bool | None:
    if not isinstance(row, Mapping):
        return None
    if isinstance(row.get("satisfied"), bool):
        return bool(row["satisfied"])
    rating = row.get("satisfaction")
    if rating in ("satisfied", "very_satisfied"):
        return True
    if rating == "unsatisfied":
        return False
    return None


def list_warnings(app: Mapping[str, Any], t: Thresholds) -> list[CheckResult]:
    """附件2(三)(四) list sizes (staff ≥ 20, served ≥ 120) and cross-checks of the lists against
    Art. 7(二)(五) figures. Decision (docs/DOMAIN.md §4): warnings for the reviewer, never decisive.
    A cross-check is left out when the list or the figure is missing (the size warning or the
    Art. 7 rule already reports it).
    """
    out: list[CheckResult] = []
    staff_list = app.get("staff_list")
    served_list = app.get("served_list")
    staff_rows = staff_list if isinstance(staff_list, list) else None
    served_rows = served_list if isinstance(served_list, list) else None

    for rule, article, rows, minimum, label in (
        ("annex2.staff_list", "附件2(三)", staff_rows, t.staff_list_min, "人员名单（staff_list）"),
        ("annex2.served_list", "附件2(四)", served_rows, t.served_list_min,
         "服务企业名单（served_list）"),
    ):
        count = len(rows) if rows is not None else 0
        passed = count >= minimum
        message = f"{label} {count} 条，附件2要求不少于 {_fmt(minimum)} 条" + (
            "" if passed else "，请补充")
        out.append(_warning(rule, article, passed, count, minimum, message))

    def figure(key: str) -> float | None:
        try:
            return _read_number(app, key, key)
        except _FieldError:
            return None

    served = figure("smes_served_last_year")
    if served_rows is not None and served is not None:
        same = len(served_rows) == served
        out.append(_warning("cross.served_count", "第七条(二)", same, len(served_rows), served,
                            f"服务企业名单 {len(served_rows)} 家，申报上年服务 {_fmt(served)} 家"
                            + ("，一致" if same else "，不一致，请核对")))

    stated = figure("satisfaction_rate")
    if served_rows is not None and stated is not None:
        rated = [s for s in (_row_satisfied(r) for r in served_rows) if s is not None]
        if rated:
            computed = round(sum(rated) * 100 / len(rated), 1)
            close = abs(computed - stated) <= t.satisfaction_tolerance
            out.append(_warning(
                "cross.satisfaction", "第七条(二)", close, computed, stated,
                f"按服务企业名单计算满意度 {_fmt(computed)}%（{len(rated)} 家有评价），"
                f"申报 {_fmt(stated)}%" + ("" if close else
                f"，相差超过 {_fmt(t.satisfaction_tolerance)} 个百分点，请核对")))

    staff = figure("staff_total")
    if staff_rows is not None and staff is not None:
        same = len(staff_rows) == staff
        out.append(_warning("cross.staff_count", "第七条(五)", same, len(staff_rows), staff,
                            f"人员名单 {len(staff_rows)} 人，申报服务人员 {_fmt(staff)} 人"
                            + ("，一致" if same else "，不一致，请核对")))

    titled = figure("smes_titled_served")
    if served_rows is not None and titled is not None:
        count = sum(1 for r in served_rows if isinstance(r, Mapping) and r.get("titled") is True)
        same = count == titled
        out.append(_warning("cross.titled_count", "第七条(二)", same, count, titled,
                            f"名单中标注称号企业 {count} 家，申报 {_fmt(titled)} 家"
                            + ("，一致" if same else "，不一致，请核对")))
    return out


# --- all together -----------------------------------------------------------------------------


def run_checks(
    app: Mapping[str, Any],
    thresholds: Thresholds,
    art8_thresholds: Art8Thresholds,
    submission_date: date,
) -> list[dict[str, Any]]:
    """Art. 7, Art. 8 and the 附件2 warnings, as JSON-shaped result dicts, in article order."""
    results = (
        art7_checks(app, thresholds, submission_date)
        + art8_checks(app, art8_thresholds)
        + list_warnings(app, thresholds)
    )
    return [r.to_dict() for r in results]


def overall(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Summary of the computed results: they inform the county, they do not decide (Art. 10).

    ``failed_rules``: computed Art. 7 rules that failed, and "8" if no function is met (a function
    waiting only for its checklist is not a failure); ``eligible``: none failed;
    ``pending_judgment``: checklist items not yet confirmed; ``rejected_judgment``: checklist items
    the county marked as not met; ``warnings``: warnings that did not pass.
    """
    listed = list(results)
    computed7 = [r for r in listed if r.get("kind") == KIND_COMPUTED
                 and str(r.get("rule", "")).startswith("7.")]
    art8 = [r for r in listed if r.get("rule") == "8"]
    failed = [r["rule"] for r in computed7 if r.get("passed") is not True]
    failed += [r["rule"] for r in art8 if r.get("passed") is False]
    if not art8:
        failed.append("8")

    def rules_where(kind: str, test: Callable[[Any], bool]) -> list[str]:
        return [r["rule"] for r in listed if r.get("kind") == kind and test(r.get("passed"))]

    return {
        "eligible": not failed,
        "failed_rules": failed,
        "pending_judgment": rules_where(KIND_JUDGMENT, lambda p: p is None),
        "rejected_judgment": rules_where(KIND_JUDGMENT, lambda p: p is False),
        "warnings": rules_where(KIND_WARNING, lambda p: p is not True),
    }


def failed_results(results: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The failed rules as reasons ``{rule, article, message}``, in article order, each citing its
    article: computed failures and checklist items confirmed as not met (docs/DOMAIN.md §2: what the
    county sees flagged, and the reasons a decline is prefilled with)."""
    listed = list(results)
    summary = overall(listed)
    wanted = set(summary["failed_rules"]) | set(summary["rejected_judgment"])
    out = []
    for r in listed:
        if r.get("rule") in wanted:
            out.append({"rule": r["rule"], "article": r.get("article") or "", "message": r.get("message") or ""})
            wanted.discard(r["rule"])
    out += [{"rule": rule, "article": "第八条", "message": "未申报服务功能，第八条要求至少满足一项功能要求"}
            for rule in sorted(wanted)]
    return out
