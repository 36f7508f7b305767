"""A form as people read it (processes/tasks/forms.py): decisions as their option's label, the opinion
that goes with them, values and table cells in words, and a task that takes over another's form."""

from __future__ import annotations

from types import SimpleNamespace

from processes.forms.model import FieldDef
from processes.tasks.forms import (
    TAKEN_FROM,
    cell_text,
    date_text,
    decision_of,
    form_fields,
    reason_of,
    table_rows,
    value_text,
)

REVIEW = [FieldDef("review_action", "审核意见", "enum", options=[{"id": "proceed", "name": "进入专家评审"},
                                                               {"id": "supplement", "name": "退回补正"}]),
          FieldDef("review_reasons", "理由", "string"), FieldDef("onsite_check", "需要现场核实", "boolean")]
ONSITE = [FieldDef("onsite_date", "核实日期", "date"), FieldDef("onsite_findings", "现场核实情况", "string"),
          FieldDef("onsite_passed", "现场核实通过", "boolean")]
APPLICATION = [FieldDef("unit_nature", "单位性质", "enum", options=[{"id": "enterprise", "name": "企业"}]),
               FieldDef("served_list", "名单", "json", properties={
                   "columns": "enterprise*:string:企业, titled:boolean:称号, "
                              "satisfaction:satisfied=满意|unsatisfied=不满意"})]


def test_a_decision_is_its_options_label_and_the_reasons_go_with_it():
    values = {"review_action": "supplement", "review_reasons": "请补充审计报告", "onsite_check": False}
    assert decision_of(REVIEW, values) == {"field": "review_action", "label": "审核意见", "value": "supplement",
                                           "text": "退回补正"}
    assert reason_of(REVIEW, values) == "请补充审计报告"


def test_a_form_without_a_choice_decides_with_its_yes_no_field():
    values = {"onsite_date": "2026-09-28", "onsite_findings": "一致", "onsite_passed": True}
    assert decision_of(ONSITE, values)["text"] == "现场核实通过：是"
    assert reason_of(ONSITE, values) == "一致"


def test_an_application_field_is_no_decision():
    assert decision_of(APPLICATION, {"unit_nature": "enterprise"}) is None


def test_values_and_cells_in_words():
    assert value_text(APPLICATION[0], "enterprise") == "企业"
    assert table_rows(APPLICATION[1], [{"enterprise": "甲", "titled": True, "satisfaction": "unsatisfied"},
                                       {"enterprise": "乙", "titled": "false", "satisfaction": "满意"}]) == [
        ["甲", "是", "不满意"], ["乙", "否", "满意"]]
    assert cell_text(APPLICATION[1].columns[0], 12.0) == "12"
    assert date_text("2026-09-27T16:30:00+00:00") == "2026-09-28"  # the Beijing date


def _spec(form_fields_: list[FieldDef], extensions: dict[str, str] | None = None) -> SimpleNamespace:
    fields = [SimpleNamespace(id=f.id, label=f.label, type=f.type, default_value=None, validation=[], options=[],
                              properties=[]) for f in form_fields_]
    return SimpleNamespace(form=SimpleNamespace(fields=fields), extensions=extensions or {})


def test_a_task_takes_over_another_tasks_form():
    fill = _spec([FieldDef("unit_name", "单位名称", "string"), FieldDef("note", "说明", "string")])
    supplement = _spec([FieldDef("supplement_response", "补正说明", "string"), FieldDef("note", "说明", "string")],
                       {"form_from": "fill_application"})
    parsed = SimpleNamespace(spec=SimpleNamespace(task_specs={"fill_application": fill, "supplement": supplement}),
                             subprocess_specs={})
    fields = form_fields(supplement, parsed)
    assert [f.id for f in fields] == ["unit_name", "supplement_response", "note"]  # its own "note" wins
    assert fields[0].properties[TAKEN_FROM] == "fill_application" and TAKEN_FROM not in fields[1].properties
    assert [f.id for f in form_fields(fill, parsed)] == ["unit_name", "note"]
