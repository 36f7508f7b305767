"""The checks of a form submission (processes/forms/checks.py), rule by rule: each has a case that
fails, with the field it names and its stable code."""

from __future__ import annotations

import math

import pytest

from handlers.credit_code import make_credit_code
from processes.forms.checks import MAX_SAFE_INTEGER, FormContext, Materials, check_form
from processes.forms.model import FieldDef

GOOD_CODE = make_credit_code("9137150000000001")


def f(fid: str, kind: str = "string", label: str = "", required: bool = False, **props: str) -> FieldDef:
    return FieldDef(id=fid, label=label or fid, type=kind, required=required, properties=dict(props))


def codes(errors: list[dict]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in errors]


def test_credit_code_check_digit_is_a_field_error():
    wrong = GOOD_CODE[:17] + ("0" if GOOD_CODE[17] != "0" else "1")
    values, errors = check_form([f("credit_code")], {"credit_code": wrong})
    assert codes(errors) == [("credit_code", "credit_code")] and "校验位" in errors[0]["message"]
    values, errors = check_form([f("credit_code")], {"credit_code": GOOD_CODE.lower()})
    assert errors == [] and values["credit_code"] == GOOD_CODE  # typed in lower case: accepted, upper-cased


@pytest.mark.parametrize(("fid", "bad", "good"), [
    ("contact_phone", "12345", "0635-8888888"), ("mobile", "1380000000", "13800000000"),
    ("postcode", "25200", "252000"), ("email", "not-an-address", "a@b.cn")])
def test_formats_of_canonical_names(fid, bad, good):
    assert codes(check_form([f(fid)], {fid: bad})[1]) == [(fid, {"contact_phone": "phone", "mobile": "phone"}
                                                               .get(fid, fid))]
    assert check_form([f(fid)], {fid: good})[1] == []


@pytest.mark.parametrize(("kind", "raw", "code"), [
    ("double", float("nan"), "not_finite"), ("double", math.inf, "not_finite"), ("double", "1e400", "not_finite"),
    ("long", MAX_SAFE_INTEGER + 1, "out_of_range"), ("long", "3.5", "not_integer"), ("long", True, "not_integer"),
    ("double", "很多", "not_number"), ("date", "2026-13-01", "not_date"), ("boolean", "也许", "not_boolean"),
    ("string", 12, "not_text"), ("string", "a\x00b", "nul_byte")])
def test_numbers_dates_and_text(kind, raw, code):
    assert codes(check_form([f("x", kind)], {"x": raw})[1]) == [("x", code)]


def test_required_enum_and_constraints():
    fields = [f("name", required=True), FieldDef(id="kind", label="类别", type="enum",
                                                options=[{"id": "a", "name": "甲"}]),
              FieldDef(id="n", label="数", type="long", constraints={"min": 0, "max": 10}),
              FieldDef(id="s", label="文", type="string", constraints={"maxlength": 3})]
    _, errors = check_form(fields, {"kind": "z", "n": 11, "s": "四个字啊"})
    assert codes(errors) == [("kind", "enum"), ("n", "max"), ("s", "max_length"), ("name", "required")]
    assert "只能选择 甲" in errors[0]["message"]


def test_unknown_fields_are_named():
    assert codes(check_form([f("a")], {"a": "x", "b": "y"})[1]) == [("b", "unknown_field")]


def test_table_cells_rows_and_counts_are_named_by_path():
    table = f("survey_samples", "json", "测评企业", columns="enterprise*:string:企业名称, phone*:string:联系电话, "
              "rating*:very_satisfied=很满意|satisfied=基本满意|unsatisfied=不满意:评价", min_rows="3", max_rows="4")
    rows = [{"enterprise": "甲", "phone": "0635-8000001", "rating": "很满意"},
            {"enterprise": "乙", "phone": "12", "rating": "satisfied"},
            {"enterprise": "", "phone": "13800000000", "rating": "好"}]
    values, errors = check_form([table], {"survey_samples": rows})
    assert codes(errors) == [("survey_samples[1].phone", "phone"), ("survey_samples[2].enterprise", "required"),
                             ("survey_samples[2].rating", "choice")]
    assert values["survey_samples"][0]["rating"] == "very_satisfied"  # the label is accepted, the id stored
    assert errors[0]["row"] == 2 and errors[0]["column"] == "phone" and "第 2 行「联系电话」" in errors[0]["message"]
    _, errors = check_form([table], {"survey_samples": rows[:1]})
    assert codes(errors) == [("survey_samples", "min_rows")]
    _, errors = check_form([table], {"survey_samples": rows[:1] * 5})
    assert codes(errors) == [("survey_samples", "max_rows")]
    assert codes(check_form([table], {"survey_samples": "not a table"})[1]) == [("survey_samples", "not_list")]


def test_pick_lists_take_active_users_of_the_role():
    experts = f("experts", "json", "评审专家", users_of_role="expert")
    ctx = FormContext(users=lambda role: {"expert1": "王专家", "expert2": "李专家"} if role == "expert" else {})
    values, errors = check_form([experts], {"experts": ["expert1", "applicant2", "expert1"]}, ctx)
    assert codes(errors) == [("experts[1]", "user_unknown"), ("experts[2]", "user_duplicate")]
    assert codes(check_form([experts], {"experts": "expert1"}, ctx)[1]) == [("experts", "not_list")]
    assert check_form([experts], {"experts": ["expert2"]}, ctx) == ({"experts": ["expert2"]}, [])


def test_reasons_required_with_a_decision_and_mandatory_opinion():
    fields = [FieldDef(id="review_action", label="审核意见", type="enum",
                       options=[{"id": "proceed", "name": "进入专家评审"}, {"id": "supplement", "name": "退回补正"}]),
              f("review_reasons", label="理由", required_when="review_action=supplement|reject"),
              FieldDef(id="decision", label="结论", type="enum", options=[{"id": "approve", "name": "同意"}]),
              f("opinion", label="意见")]
    _, errors = check_form(fields, {"review_action": "supplement"})
    assert codes(errors) == [("review_reasons", "required_when"), ("decision", "decision_required"),
                             ("opinion", "opinion_required")]
    assert "选择“退回补正”时必须填写" in errors[0]["message"]
    _, errors = check_form(fields, {"review_action": "proceed", "decision": "approve", "opinion": "同意"})
    assert errors == []


def test_required_materials_are_named():
    ctx = FormContext(materials=Materials(names={"m05": "场所证明", "m07": "信用报告"}, required=["m05", "m07"],
                                          uploaded={"m05": {"file_name": "a.pdf"}}))
    _, errors = check_form([], {}, ctx)
    assert codes(errors) == [("materials.m07", "material_missing")] and "信用报告" in errors[0]["message"]


def test_a_draft_checks_formats_but_not_what_is_missing():
    fields = [f("name", required=True), f("postcode"), f("opinion")]
    values, errors = check_form(fields, {"postcode": "12"}, partial=True)
    assert codes(errors) == [("postcode", "postcode")]
    assert check_form(fields, {}, partial=True) == ({}, [])
