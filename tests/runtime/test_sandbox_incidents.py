"""A process whose script or condition breaks a sandbox limit gets an incident naming the element
and the limit, quickly, and the instance is saved without the oversized value."""

from __future__ import annotations

import io
import time
from xml.sax.saxutils import escape

import pytest

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="t">
  <bpmn:process id="{key}" name="沙箱限制测试" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="script" />
    <bpmn:scriptTask id="script" name="脚本" scriptFormat="python">
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="b" sourceRef="script" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="no" />
    <bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="e">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def _start(api, key: str, script: str, condition: str = "True") -> dict:  # type: ignore[no-untyped-def]
    text = BPMN.format(key=key, script=escape(script), condition=escape(condition))
    r = api.as_user("owner").client.post(
        "/api/v1/process-definitions", data={"file": (io.BytesIO(text.encode()), f"{key}.bpmn")},
        headers=api._h(), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    started = time.monotonic()
    r = api.as_user("admin").post("/api/v1/process-instances", json={"process_key": key})
    assert r.status_code == 201, r.get_json()
    assert time.monotonic() - started < 2.0
    return r.get_json()


@pytest.mark.parametrize(
    ("script", "limit"),
    [
        ("x = 'x'.ljust(10**9)", "string length limit is 1000000 characters"),
        ("x = pow(7**3000, 7**3000, 7**3000 + 2)", "pow() modulus and exponent size limit is 2048 bits"),
        ("x = f'{1:{10**9}}'", "string length limit is 1000000 characters"),
        ("x = '%*d' % (10**9, 1)", "string length limit is 1000000 characters"),
        ("big = list(range(10**6))", "task data size limit is 100000 values"),
    ],
)
def test_script_breaking_a_limit_is_an_incident_naming_element_and_limit(api, script: str, limit: str) -> None:
    inst = _start(api, "limits", script)
    assert inst["state"] == "incident"
    incident = inst["incident"]
    assert incident["element_id"] == "script"
    # (script errors are recorded with error_type "WorkflowTaskException" by services.core._incident)
    assert incident["message"].startswith("SandboxLimitExceeded:Script exceeds a sandbox limit: ")
    assert limit in incident["message"]
    assert "big" not in (inst.get("variables") or {})


def test_condition_breaking_a_limit_is_an_incident_naming_the_gateway_and_limit(api) -> None:
    inst = _start(api, "limits_gw", "ok = 1", condition="len('x'.ljust(10**9)) > 0")
    assert inst["state"] == "incident"
    incident = inst["incident"]
    assert incident["element_id"] == "gw"
    assert incident["message"].startswith("Error evaluating expression")
    assert "string length limit is 1000000 characters" in incident["message"]


def test_script_raising_a_non_string_is_an_incident_not_a_server_error(api) -> None:
    inst = _start(api, "raise_list", "raise ValueError([1, 2])")
    assert inst["state"] == "incident"
    assert inst["incident"]["element_id"] == "script"
    assert inst["incident"]["message"].startswith("ValueError:[1, 2]")
