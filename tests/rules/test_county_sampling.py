"""The county's evaluation by a random sample of at least 10 served enterprises (Art. 11, 附件1)."""

from __future__ import annotations

import pytest

from handlers.sampling import (
    draw_sample,
    new_seed,
    survey_satisfaction,
    validate_survey,
)

SERVED = [{"enterprise": f"企业{i:03d}"} for i in range(120)]


def survey(n=10, **changes):
    samples = [{"enterprise": f"企业{i:03d}", "person": "张三", "post": "总经理",
                "phone": "0635-8888888", "service": "融资对接", "rating": "satisfied"}
               for i in range(n)]
    result = {"method": "phone", "samples": samples}
    result.update(changes)
    return result


def test_art11_the_same_seed_draws_the_same_sample():
    assert draw_sample(SERVED, 10, 20250601) == draw_sample(SERVED, 10, 20250601)


def test_art11_another_seed_draws_another_sample():
    assert draw_sample(SERVED, 10, 1) != draw_sample(SERVED, 10, 2)


def test_art11_the_sample_has_distinct_rows_from_the_list_in_list_order():
    sample = draw_sample(SERVED, 15, 7)
    assert len(sample) == 15
    positions = [SERVED.index(row) for row in sample]
    assert positions == sorted(set(positions))


def test_art11_a_list_of_exactly_ten_is_sampled_whole():
    assert draw_sample(SERVED[:10], 10, 3) == SERVED[:10]


def test_art11_fewer_than_ten_samples_is_refused():
    with pytest.raises(ValueError, match="不少于 10"):
        draw_sample(SERVED, 9, 1)


def test_art11_a_served_list_shorter_than_the_sample_is_refused():
    with pytest.raises(ValueError, match="少于抽样数量"):
        draw_sample(SERVED[:11], 12, 1)


def test_new_seeds_are_json_safe_integers():
    seeds = {new_seed() for _ in range(20)}
    assert all(isinstance(s, int) and 0 <= s < 2**52 for s in seeds)
    assert len(seeds) > 1


def test_annex1_satisfaction_counts_very_satisfied_and_satisfied():
    samples = [{"rating": "very_satisfied"}] * 5 + [{"rating": "satisfied"}] * 4 + [
        {"rating": "unsatisfied"}]
    assert survey_satisfaction(samples) == 90.0


def test_annex1_satisfaction_is_rounded_to_one_decimal():
    samples = [{"rating": "satisfied"}] * 2 + [{"rating": "unsatisfied"}]
    assert survey_satisfaction(samples) == 66.7


@pytest.mark.parametrize("samples", [[], [{"rating": "ok"}], [{}]])
def test_annex1_satisfaction_needs_valid_ratings(samples):
    with pytest.raises(ValueError):
        survey_satisfaction(samples)


def test_annex1_a_complete_survey_has_no_errors():
    assert validate_survey(survey()) == []


@pytest.mark.parametrize("method", ["visit", "phone", "online", "written", "other"])
def test_annex1_every_evaluation_method_is_accepted(method):
    assert validate_survey(survey(method=method)) == []


def test_annex1_survey_errors_name_the_field():
    bad = survey(method="email")
    bad["samples"][2]["phone"] = ""
    bad["samples"][3]["rating"] = "good"
    bad["samples"][4]["enterprise"] = "企业000"
    fields = [e["field"] for e in validate_survey(bad)]
    assert fields == ["methods", "samples[2].phone", "samples[3].rating", "samples[4].enterprise"]


def test_annex1_fewer_than_ten_surveyed_enterprises_is_an_error():
    errors = validate_survey(survey(n=9))
    assert [e["field"] for e in errors] == ["samples"]
    assert "至少" in errors[0]["message"]


@pytest.mark.parametrize("bad", [None, "survey", {"method": "phone"}, {"method": "phone", "samples": [1]}])
def test_annex1_malformed_surveys_give_errors_not_exceptions(bad):
    assert validate_survey(bad)
