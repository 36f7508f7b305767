"""The county's evaluation (测评) by a random sample of served enterprises (Art. 11, 附件1)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

MIN_SAMPLE_SIZE = 10  # 附件1: at least 10 sampled enterprises
SURVEY_METHODS = ("visit", "phone", "online", "written", "other")  # 上门拜访/电话/网络/书面/其他
RATINGS = ("very_satisfied", "satisfied", "unsatisfied")  # 很满意/基本满意/不满意
SATISFIED_RATINGS = frozenset({"very_satisfied", "satisfied"})
SAMPLE_FIELDS = {
    "enterprise": "企业名称",
    "person": "受访人",
    "post": "职务",
    "phone": "联系电话",
    "service": "接受的服务",
}


def new_seed() -> int:
    """A fresh random seed for Art. 11 sampling, kept below 2**52 so it survives JSON/JavaScript."""
    return secrets.randbits(52)


RESERVE_SIZE = 10  # the next drawn enterprises, in draw order, that may replace unreachable ones


def draw_sample(
    served_list: Sequence[Any], size: int = MIN_SAMPLE_SIZE, seed: int | None = None
) -> list[Any]:
    """Art. 11, 附件1: draw ``size`` (≥ 10) served enterprises at random, reproducibly.

    The same list and ``seed`` always give the same sample, so the draw can be verified
    afterwards (Art. 22). Rows are returned in the list's order. Raises ValueError (Chinese
    message) when ``size`` < 10 or the list has fewer than ``size`` rows.
    """
    return draw_with_reserve(served_list, size, seed, 0)[0]


def draw_with_reserve(
    served_list: Sequence[Any], size: int = MIN_SAMPLE_SIZE, seed: int | None = None,
    reserve: int = RESERVE_SIZE,
) -> tuple[list[Any], list[Any]]:
    """Art. 11: the sample (``size`` rows, in the list's order) and, continuing the same draw, up to
    ``reserve`` more rows in the order drawn: a drawn enterprise that cannot be reached is replaced
    by the next drawn one (docs/DOMAIN.md §2), never by one the county picks."""
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_SAMPLE_SIZE:
        raise ValueError(f"抽样数量应为不少于 {MIN_SAMPLE_SIZE} 的整数：{size!r}")
    if len(served_list) < size:
        raise ValueError(f"服务企业名单仅 {len(served_list)} 家，少于抽样数量 {size} 家")
    rng = random.Random(seed if seed is not None else new_seed())
    picked = sorted(rng.sample(range(len(served_list)), size))
    taken = set(picked)
    rest = [i for i in range(len(served_list)) if i not in taken]
    following = rng.sample(rest, min(max(0, reserve), len(rest)))
    return [served_list[i] for i in picked], [served_list[i] for i in following]


def survey_satisfaction(samples: Sequence[Mapping[str, Any]]) -> float:
    """Art. 11, 附件1: share (%) of sampled enterprises rating 很满意 or 基本满意, 1 decimal.

    Raises ValueError when there is no sample or a rating is not one of :data:`RATINGS`
    (validate with :func:`validate_survey` first).
    """
    if not samples:
        raise ValueError("测评样本为空，无法计算满意度")
    ratings = [s.get("rating") if isinstance(s, Mapping) else None for s in samples]
    bad = [r for r in ratings if r not in RATINGS]
    if bad:
        raise ValueError(f"测评评价无效：{bad[0]!r}")
    satisfied = sum(1 for r in ratings if r in SATISFIED_RATINGS)
    return round(satisfied * 100 / len(ratings), 1)


def _name(row: Any) -> str:
    value = row.get("enterprise") if isinstance(row, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


def survey_methods(survey: Mapping[str, Any]) -> list[str]:
    """附件1 测评方法: several may apply (``methods``; an older record's single ``method`` counts)."""
    raw = survey.get("methods")
    methods = [m for m in raw if isinstance(m, str)] if isinstance(raw, list) else []
    single = survey.get("method")
    if isinstance(single, str) and single and single not in methods:
        methods.append(single)
    return methods


def validate_survey(survey: Any, min_samples: int = MIN_SAMPLE_SIZE,
                    drawn: Sequence[Any] | None = None,
                    reserve: Sequence[Any] | None = None) -> list[dict[str, str]]:
    """Art. 11, 附件1: the county's evaluation record is complete; returns ``{field, message}`` errors.

    At least one method (上门拜访/电话询问/网络互动/书面征求/其他; several may apply); at least
    ``min_samples`` samples; every sample names enterprise, person, post, phone and service, with a
    valid rating; no enterprise sampled twice. With the ``drawn`` sample (and its ``reserve``), the
    rows surveyed must be the drawn enterprises: one that could not be reached may be replaced by the
    next drawn enterprise of the reserve, in draw order, naming the one it replaces and why.
    """
    if not isinstance(survey, Mapping):
        return [{"field": "survey", "message": "缺少测评记录"}]
    errors: list[dict[str, str]] = []
    methods = survey_methods(survey)
    if not methods or any(m not in SURVEY_METHODS for m in methods):
        errors.append({"field": "methods",
                       "message": "测评方法应为上门拜访、电话询问、网络互动、书面征求或其他（可多选），至少选择一项"})
    samples = survey.get("samples")
    if not isinstance(samples, list):
        errors.append({"field": "samples", "message": f"缺少测评企业，至少应抽取 {min_samples} 家"})
        return errors
    if len(samples) < min_samples:
        errors.append({"field": "samples",
                       "message": f"测评企业 {len(samples)} 家，至少应抽取 {min_samples} 家"})
    seen: dict[str, int] = {}
    for i, sample in enumerate(samples):
        where = f"samples[{i}]"
        if not isinstance(sample, Mapping):
            errors.append({"field": where, "message": f"第{i + 1}家测评记录格式无效"})
            continue
        for key, label in SAMPLE_FIELDS.items():
            value = sample.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append({"field": f"{where}.{key}", "message": f"第{i + 1}家缺少{label}"})
        if sample.get("rating") not in RATINGS:
            errors.append({"field": f"{where}.rating",
                           "message": f"第{i + 1}家的评价应为很满意、基本满意或不满意"})
        name = _name(sample)
        if name:
            first = seen.setdefault(name, i)
            if first != i:
                errors.append({"field": f"{where}.enterprise",
                               "message": f"第{i + 1}家与第{first + 1}家为同一企业，不能重复测评"})
    if drawn:
        errors += _against_the_draw(samples, [_name(r) for r in drawn], [_name(r) for r in reserve or []])
    return errors


def _against_the_draw(samples: Sequence[Any], drawn: list[str], reserve: list[str]) -> list[dict[str, str]]:
    """Art. 11 随机抽取: the surveyed rows are the drawn sample, replacements by the next drawn."""
    errors: list[dict[str, str]] = []
    surveyed: set[str] = set()
    replaced: set[str] = set()
    replacements: list[str] = []
    for i, sample in enumerate(samples):
        if not isinstance(sample, Mapping):
            continue
        where = f"samples[{i}]"
        name = _name(sample)
        replaces = sample.get("replaces")
        replaces = replaces.strip() if isinstance(replaces, str) else ""
        if not replaces:
            if name and name not in drawn:
                errors.append({"field": f"{where}.enterprise",
                               "message": f"第{i + 1}家“{name}”不在随机抽取的企业中（第十一条），"
                                          "无法联系的抽样企业只能由下一家抽取的企业替换，并写明原因"})
            surveyed.add(name)
            continue
        reason = sample.get("replacement_reason")
        if not isinstance(reason, str) or not reason.strip():
            errors.append({"field": f"{where}.replacement_reason",
                           "message": f"第{i + 1}家替换了“{replaces}”，请写明替换原因"})
        if replaces not in drawn:
            errors.append({"field": f"{where}.replaces",
                           "message": f"第{i + 1}家替换的“{replaces}”不是随机抽取的企业"})
        replaced.add(replaces)
        replacements.append(name)
    expected = reserve[:len(replacements)]
    if replacements and sorted(replacements) != sorted(expected):
        order = "、".join(expected) or "（备选名单已用完）"
        errors.append({"field": "samples",
                       "message": f"替换企业应依次为下一家随机抽取的企业：{order}（第十一条）"})
    both = sorted(surveyed & replaced)
    if both:
        errors.append({"field": "samples", "message": f"“{both[0]}”既已测评又被替换"})
    missing = [d for d in drawn if d not in surveyed and d not in replaced]
    if missing:
        errors.append({"field": "samples",
                       "message": f"随机抽取的企业未测评也未替换：{'、'.join(missing)}（第十一条）"})
    return errors
