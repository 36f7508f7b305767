"""Diagram editing for process owners: what a deploy would change against the running version (an XML
diff of the semantic elements, by element id), the checks of a decision table before it is saved or
deployed, and the deploy from the editors as one transaction (the draft goes with it).

Why an XML diff and not SpiffWorkflow's ``SpecDiff``: ``SpecDiff`` compares parsed task specs only,
so it says nothing about sequence flows, lanes, messages, conditions' text or DMN tables, and it needs
both versions to parse; the XML diff covers every element with an id in BPMN and DMN files alike,
names the attributes that changed, and works on a draft that does not validate yet.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from sqlalchemy import select

from processes.access import Permission, require
from processes.admin.models import DiagramDraft
from processes.db import UnitOfWork
from processes.engine.spec import DiagramInvalid, is_dmn, parse_xml
from processes.errors import Invalid
from processes.messages import t
from processes.models import ProcessDefinition
from processes.services.core import Actor
from processes.services.deploy import decision_ids, decision_refs, deploy_file, latest_decision_files

# diagram interchange (layout): a change there moves shapes, it changes no behaviour
_DI = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
       "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
       "http://www.omg.org/spec/DMN/20180521/DMNDI/", "http://www.omg.org/spec/DMN/20180521/DC/",
       "http://www.omg.org/spec/DMN/20180521/DI/", "https://www.omg.org/spec/DMN/20191111/DC/")

KINDS = {
    "process": "流程", "collaboration": "协作", "participant": "泳池", "laneSet": "泳道集", "lane": "泳道",
    "startEvent": "开始事件", "endEvent": "结束事件", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "boundaryEvent": "边界事件", "userTask": "用户任务",
    "serviceTask": "服务任务", "scriptTask": "脚本任务", "businessRuleTask": "业务规则任务", "manualTask": "手工任务",
    "sendTask": "发送任务", "receiveTask": "接收任务", "task": "任务", "callActivity": "调用活动",
    "subProcess": "子流程", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
    "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "sequenceFlow": "顺序流",
    "messageFlow": "消息流", "message": "消息", "signal": "信号", "error": "错误", "escalation": "升级",
    "timerEventDefinition": "定时器", "messageEventDefinition": "消息事件", "textAnnotation": "文本注释",
    "association": "关联", "dataObject": "数据对象", "dataObjectReference": "数据对象引用",
    "definitions": "定义", "decision": "决策", "decisionTable": "决策表", "input": "输入列", "output": "输出列",
    "rule": "规则", "inputData": "输入数据", "knowledgeSource": "知识来源", "businessKnowledgeModel": "业务知识模型",
    "literalExpression": "文字表达式", "inputEntry": "输入单元格", "outputEntry": "输出单元格",
}


# attributes whose absence means this value: an editor may write or drop them without changing anything
DEFAULTS = {("decisionTable", "hitPolicy"): "UNIQUE", ("decisionTable", "preferredOrientation"): "Rule-as-Row",
            ("process", "isExecutable"): "true", ("sequenceFlow", "isImmediate"): "true",
            ("boundaryEvent", "cancelActivity"): "true", ("startEvent", "isInterrupting"): "true"}


def _attrs(node: etree._Element) -> dict[str, str]:
    tag = _local(node.tag)
    return {k: v for k, v in node.attrib.items()
            if k != "id" and DEFAULTS.get((tag, etree.QName(k).localname)) != v}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _ns(tag: Any) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def _elements(xml: str, name: str) -> tuple[dict[str, dict[str, Any]], str]:
    """Every element with an id outside the layout: its kind, name and a signature of its own content
    (attributes, text, children without an id; a child with an id is an element of its own). Also a
    signature of the layout."""
    root = parse_xml(xml, name)
    found: dict[str, dict[str, Any]] = {}
    layout: list[str] = []

    def own(node: etree._Element) -> str:
        parts = [_local(node.tag), repr(sorted(_attrs(node).items())),
                 (node.text or "").strip()]
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.get("id") is None and _ns(child.tag) not in _DI:
                parts.append(own(child))
        return "\x1f".join(parts)

    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if _ns(node.tag) in _DI:
            if node.get("id") is None or _local(node.tag) in ("Bounds", "waypoint"):
                layout.append(etree.tostring(node, method="c14n").decode() if len(node) == 0 else "")
            continue
        eid = node.get("id")
        if eid is None:
            continue
        found[eid] = {"id": eid, "kind": KINDS.get(_local(node.tag), _local(node.tag)), "tag": _local(node.tag),
                      "name": node.get("name") or node.get("label") or "", "sig": own(node),
                      "attrs": _attrs(node)}
    return found, "\n".join(layout)


def _what_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = sorted(set(old["attrs"]) | set(new["attrs"]))
    changed = [etree.QName(k).localname for k in keys if old["attrs"].get(k) != new["attrs"].get(k)]
    if old["tag"] != new["tag"]:
        changed.insert(0, "类型")
    attrs_only = old["sig"].split("\x1f")[2:] == new["sig"].split("\x1f")[2:]
    if not attrs_only:
        changed.append("内容")
    return changed


def diagram_diff(old_xml: str | None, new_xml: str, file_name: str) -> dict[str, Any]:
    """Elements added, removed and changed (by id) from ``old_xml`` to ``new_xml``; ``layout_changed``
    when only positions moved. ``old_xml`` None: everything is new."""
    new, new_layout = _elements(new_xml, file_name)
    old, old_layout = _elements(old_xml, file_name) if old_xml else ({}, "")

    def view(e: dict[str, Any]) -> dict[str, Any]:
        return {"id": e["id"], "kind": e["kind"], "name": e["name"]}

    added = [view(e) for k, e in new.items() if k not in old]
    removed = [view(e) for k, e in old.items() if k not in new]
    changed = [view(new[k]) | {"what": _what_changed(old[k], new[k])}
               for k in new if k in old and old[k]["sig"] != new[k]["sig"]]
    return {"added": added, "removed": removed, "changed": changed,
            "layout_changed": bool(old_xml) and old_layout != new_layout,
            "same": bool(old_xml) and not added and not removed and not changed and old_layout == new_layout}


def running_version(uow: UnitOfWork, xml: str, file_name: str) -> dict[str, Any] | None:
    """The deployed version a draft replaces: the latest definition of its process key, or the latest
    decision file of the same name."""
    with uow:
        root = parse_xml(xml, file_name)
        if is_dmn(root):
            d = latest_decision_files(uow).get(file_name)
            return {"kind": "dmn", "name": d.name, "version": d.version, "xml": d.content} if d else None
        keys = [p.get("id") for p in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
                if p.get("isExecutable", "true").lower() != "false" and p.get("id")]
        if not keys:
            return None
        pd = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == keys[0])
                           .order_by(ProcessDefinition.version.desc()).limit(1)).first()
        if pd is None:
            return None
        return {"kind": "bpmn", "key": pd.key, "name": pd.name, "version": pd.version, "definition_id": pd.id,
                "xml": pd.sources[pd.bpmn_file]}


def compare_with_running(uow: UnitOfWork, actor: Actor, xml: str, file_name: str) -> dict[str, Any]:
    """What deploying ``xml`` would change against the running version (the deploy confirmation)."""
    require(actor, Permission.EDIT_DIAGRAMS)
    try:
        running = running_version(uow, xml, file_name)
        diff = diagram_diff(running["xml"] if running else None, xml, file_name)
    except DiagramInvalid as exc:
        raise Invalid(t("图无法解析"), [e.as_dict() for e in exc.errors], code="diagram_unreadable") from None
    return {"running": {k: v for k, v in running.items() if k != "xml"} if running else None, **diff}


# -- decision tables --------------------------------------------------------------------------------
DMN_NS = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/")


def _compiles(expr: str) -> str | None:
    try:
        compile(expr, "<dmn>", "eval")
    except SyntaxError as exc:
        return exc.msg
    return None


def _cell_problem(entry: str) -> str | None:
    """An input cell as the engine reads it: ``-``/empty match anything; ``?`` stands for the input;
    otherwise ``input == (cell)`` or, for a cell starting with an operator, ``input <cell>``."""
    text = entry.strip()
    if text in ("", "-"):
        return None
    if "?" in text:
        return _compiles(re.sub(r"\?", "x", text))
    if _compiles(f"(x) == ({text})") is None or _compiles(f"x {text}") is None:
        return None
    return _compiles(f"(x) == ({text})")


def validate_dmn(uow: UnitOfWork, xml: str, file_name: str) -> dict[str, Any]:
    """Every problem of a decision table, never raising (the DMN editor's 校验): the XML, at least one
    decision, every input expression, input cell and output cell compiling as Python (as the engine
    evaluates them), and no decision that a deployed process uses missing."""
    errors: list[dict[str, Any]] = []
    try:
        root = parse_xml(xml, file_name)
    except DiagramInvalid as exc:
        return {"ok": False, "errors": [e.as_dict() for e in exc.errors], "warnings": []}
    if not is_dmn(root):
        return {"ok": False, "warnings": [], "errors": [{"element_id": None, "line": None,
                                                          "message": t("这不是 DMN 决策表文件")}]}
    ids = decision_ids(root)
    if not ids:
        errors.append({"element_id": None, "line": None, "message": t("文件中没有决策")})
    for node in root.iter():
        if not isinstance(node.tag, str) or _ns(node.tag) not in DMN_NS:
            continue
        tag = _local(node.tag)
        if tag not in ("inputExpression", "inputEntry", "outputEntry"):
            continue
        text_node = next((c for c in node if isinstance(c.tag, str) and _local(c.tag) == "text"), None)
        text = (text_node.text or "") if text_node is not None else ""
        owner = node if node.get("id") else node.getparent()
        where = owner.get("id") if owner is not None else None
        if tag == "inputEntry":
            problem = _cell_problem(text)
        elif text.strip():
            problem = _compiles(text.strip())
        else:
            problem = t("表达式为空") if tag == "inputExpression" else None
        if problem:
            errors.append({"element_id": where, "line": node.sourceline,
                           "message": t("「{text}」不是有效的 Python 表达式：{problem}", text=text.strip(),
                                        problem=problem)})
    with uow:
        for d in uow.s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                   ProcessDefinition.version.desc())):
            if file_name not in d.sources:
                continue
            missing = decision_refs(parse_xml(d.sources[d.bpmn_file], d.bpmn_file)) - set(ids)
            for ref in sorted(missing):
                errors.append({"element_id": None, "line": None,
                               "message": t("流程「{process}」引用的决策 {ref} 不在此文件中", process=d.name or d.key,
                                            ref=ref)})
    return {"ok": not errors, "errors": errors, "warnings": []}


# -- deploy from the editors ------------------------------------------------------------------------
def deploy_from_editor(uow: UnitOfWork, actor: Actor, xml: str, file_name: str,
                       draft_key: str | None = None) -> dict[str, Any]:
    """Deploy what the editor shows and drop its draft, in one transaction (a refused deploy keeps the
    draft). The result names the version now running."""
    require(actor, Permission.EDIT_DIAGRAMS)
    with uow:
        if draft_key:
            for d in uow.s.scalars(select(DiagramDraft).where(DiagramDraft.key == draft_key)):
                uow.s.delete(d)
            uow.s.flush()
        results = deploy_file(uow, actor, file_name, xml)  # commits the unit of work, the draft's removal too
    main = results[0]
    return {"key": main.key, "version": main.version, "created": main.created, "warnings": main.warnings,
            "definition_id": main.definition_id, "kind": main.kind,
            "results": [{"key": r.key, "version": r.version, "created": r.created, "kind": r.kind} for r in results]}


def decision_files(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """The latest version of every deployed decision file, with its draft if one is being edited."""
    require(actor, Permission.EDIT_DIAGRAMS)
    with uow:
        drafts = {d.key: d for d in uow.s.scalars(select(DiagramDraft).where(DiagramDraft.key.like("%.dmn")))}
        out = []
        for f in sorted(latest_decision_files(uow).values(), key=lambda f: f.name):
            d = drafts.pop(f.name, None)
            out.append({"name": f.name, "version": f.version, "xml": d.xml if d else f.content,
                        "draft": d is not None, "draft_at": d.updated_at if d else None,
                        "deployed_at": f.deployed_at, "deployed_by": f.deployed_by})
        for d in drafts.values():
            out.append({"name": d.key, "version": None, "xml": d.xml, "draft": True, "draft_at": d.updated_at,
                        "deployed_at": None, "deployed_by": None})
        return out
