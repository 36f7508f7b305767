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


def draw_sample(
    served_list: Sequence[Any], size: int = MIN_SAMPLE_SIZE, seed: int | None = None
) -> list[Any]:
    """Art. 11, 附件1: draw ``size`` (≥ 10) served enterprises at random, reproducibly.

    The same list and ``seed`` always give the same sample, so the draw can be verified
    afterwards (Art. 22). Rows are returned in the list's order. Raises ValueError (Chinese
    message) when ``size`` < 10 or the list has fewer than ``size`` rows.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_SAMPLE_SIZE:
        raise ValueError(f"抽样数量应为不少于 {MIN_SAMPLE_SIZE} 的整数：{size!r}")
    if len(served_list) < size:
        raise ValueError(f"服务企业名单仅 {len(served_list)} 家，少于抽样数量 {size} 家")
    rng = random.Random(seed if seed is not None else new_seed())
    picked = sorted(rng.sample(range(len(served_list)), size))
    return [served_list[i] for i in picked]


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


def validate_survey(survey: Any, min_samples: int = MIN_SAMPLE_SIZE) -> list[dict[str, str]]:
    """Art. 11, 附件1: the county's evaluation record is complete; returns ``{field, message}`` errors.

    Method is one of visit/phone/online/written/other; at least ``min_samples`` samples; every
    sample names enterprise, person, post, phone and service, with a valid rating; no
    enterprise sampled twice.
    """
    if not isinstance(survey, Mapping):
        return [{"field": "survey", "message": "缺少测评记录"}]
    errors: list[dict[str, str]] = []
    if survey.get("method") not in SURVEY_METHODS:
        errors.append({"field": "method",
                       "message": "测评方式应为上门拜访、电话询问、网络互动、书面征求或其他"})
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
        name = sample.get("enterprise")
        if isinstance(name, str) and name.strip():
            first = seen.setdefault(name.strip(), i)
            if first != i:
                errors.append({"field": f"{where}.enterprise",
                               "message": f"第{i + 1}家与第{first + 1}家为同一企业，不能重复测评"})
    return errors
