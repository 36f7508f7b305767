"""Service-task entry points of the recognition procedure (Chapter 4, Art. 10–15).

Each entry point reads the task data, calls the pure functions of the sibling modules and
returns JSON-shaped values to merge into the task data. Bad user data never raises; a
ValueError means the process or its configuration is wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from handlers.checks import Art8Thresholds, Thresholds, overall, run_checks
from handlers.eligibility import eligibility_reasons
from handlers.registry import HandlerContext, handler
from handlers.sampling import (
    MIN_SAMPLE_SIZE,
    RESERVE_SIZE,
    draw_with_reserve,
    new_seed,
    survey_satisfaction,
    validate_survey,
)


def _optional_mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"task data '{key}' must be a mapping, got {type(value).__name__}")
    return value


@handler("art7_art8_checks")
def art7_art8_checks(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 7 and Art. 8 (and 附件2 warnings) on the application in ``data``; Art. 10 pre-check.

    Thresholds come from ``data["thresholds"]`` / ``data["art8_thresholds"]`` (DMN output)
    when present, else the measure's defaults for ``unit_nature`` and the county's 7.R
    (``relaxed_confirmed``). Submission date = today.
    """
    fallback = Thresholds.for_nature(data.get("unit_nature"), data.get("relaxed_confirmed"))
    raw7 = _optional_mapping(data, "thresholds")
    raw8 = _optional_mapping(data, "art8_thresholds")
    thresholds = Thresholds.from_mapping(raw7, fallback) if raw7 is not None else fallback
    art8 = Art8Thresholds.from_mapping(raw8) if raw8 is not None else Art8Thresholds()
    results = run_checks(data, thresholds, art8, ctx.today)
    return {"check_results": results, "check_summary": overall(results)}


@handler("check_eligibility")
def check_eligibility(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Eligibility to apply at all (Art. 15 one round a year, Art. 17 re-application in the
    expiry year, Art. 21 three-year ban), for ``data["credit_code"]`` in ``data["round_id"]``."""
    round_id = data.get("round_id")
    if round_id is None or round_id == "":
        raise ValueError("task data 'round_id' is missing: the process must set the round")
    credit_code = data.get("credit_code")
    applications: list[Mapping[str, Any]] = []
    entries: list[Mapping[str, Any]] = []
    if isinstance(credit_code, str) and credit_code:
        applications = _lookup_list(ctx, "applications_of", credit_code)
        entries = _lookup_list(ctx, "register_entries_of", credit_code)
    reasons = eligibility_reasons(
        credit_code, round_id, ctx.today, applications, entries,
        current_business_key=ctx.business_key,
    )
    return {"eligible": not reasons, "eligibility_reasons": reasons}


def _lookup_list(ctx: HandlerContext, name: str, credit_code: str) -> list[Mapping[str, Any]]:
    rows = ctx.lookups.query(name, credit_code=credit_code)
    if rows is None:
        return []
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError(f"lookup '{name}' must return a list of mappings")
    return list(rows)


@handler("draw_survey_sample")
def draw_survey_sample(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 11, 附件1: draw the served enterprises the county will survey (≥ 10, reproducible).

    Uses ``data["sample_seed"]`` when given (to redo a draw), else a new seed, which is
    returned for the record. A list too short gives ``survey_sample_errors`` and no sample.
    """
    size = data.get("sample_size", MIN_SAMPLE_SIZE)
    if isinstance(size, float) and size.is_integer():
        size = int(size)
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_SAMPLE_SIZE:
        raise ValueError(f"sample_size must be an integer ≥ {MIN_SAMPLE_SIZE}, got {size!r}")
    seed = data.get("sample_seed")
    if seed is None:
        seed = new_seed()
    elif isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"sample_seed must be an integer, got {seed!r}")
    served = data.get("served_list")
    rows = served if isinstance(served, list) else []
    if len(rows) < size:
        message = f"服务企业名单仅 {len(rows)} 家，少于抽样数量 {size} 家，无法抽样"
        return {"survey_sample": [], "survey_reserve": [], "sample_seed": seed,
                "survey_sample_errors": [{"field": "served_list", "message": message}]}
    sample, reserve = draw_with_reserve(rows, size, seed, RESERVE_SIZE)
    return {"survey_sample": copy.deepcopy(sample), "survey_reserve": copy.deepcopy(reserve),
            "sample_seed": seed, "survey_sample_errors": []}


@handler("survey_result")
def survey_result(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Art. 11, 附件1: validate the county's evaluation against the draw (the surveyed rows are the
    drawn sample, replacements by the next drawn enterprise) and compute its satisfaction: the share
    of 很满意 + 基本满意, compared with 7.2c's 90 % by the checks.

    ``survey_satisfaction`` is None while the ratings are missing or invalid.
    """
    survey = data.get("survey")
    drawn = data.get("survey_sample") if isinstance(data.get("survey_sample"), list) else None
    reserve = data.get("survey_reserve") if isinstance(data.get("survey_reserve"), list) else None
    errors = validate_survey(survey, drawn=drawn, reserve=reserve)
    satisfaction: float | None = None
    if isinstance(survey, Mapping):
        samples = survey.get("samples")
        if isinstance(samples, list) and samples:
            try:
                satisfaction = survey_satisfaction(samples)
            except ValueError:
                satisfaction = None  # the rating errors are in ``errors``
    return {"survey_satisfaction": satisfaction, "survey_errors": errors}
