"""Deploy-time validation: every problem as {element_id, line, message} before anything runs.

Checks, in order: XML well-formed; unsupported BPMN elements; Camunda-Modeler habits that the
engine would only trip over at run time (``${...}`` JUEL expressions, bare ISO-8601 timer
literals: normalised, and reported as warnings with the fix); every condition, script, timer,
multi-instance and assignment expression compiled under the sandbox's policy; service tasks name a
registered handler; element ids that collide with the engine's internal names; finally the
engine's own structural parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from handlers.registry import handler_names
from processes.engine.sandbox import compile_check
from processes.engine.spec import (
    BPMN_NS,
    DiagramError,
    DiagramInvalid,
    ParsedDefinition,
    is_dmn,
    parse_definition,
    parse_xml,
)

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
B = f"{{{BPMN_NS}}}"
C = f"{{{CAMUNDA_NS}}}"

SUPPORTED_FLOW_NODES = {
    "startEvent", "endEvent", "userTask", "task", "manualTask", "scriptTask", "serviceTask",
    "businessRuleTask", "subProcess", "callActivity", "transaction", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "receiveTask", "sendTask",
}
UNSUPPORTED_FLOW_NODES = {"complexGateway", "adHocSubProcess"}
RESERVED_IDS = {"Start", "End", "Root"}
ISO_DURATION = re.compile(r"^\s*-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?\s*$")
ISO_REPEAT = re.compile(r"^\s*R\d*/")
ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?\s*$")
JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)


@dataclass
class ValidationResult:
    errors: list[DiagramError] = field(default_factory=list)
    warnings: list[DiagramError] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # normalised sources
    parsed: ParsedDefinition | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _eid(node: etree._Element) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _owner_id(node: etree._Element) -> str | None:
    """The id of the flow element an expression belongs to (skip expression and event-definition
    nodes: a timer's error belongs to its event, not to its timerEventDefinition)."""
    parent = node.getparent()
    while parent is not None and isinstance(parent.tag, str) and parent.tag.endswith("EventDefinition"):
        parent = parent.getparent()
    return _eid(parent) if parent is not None else _eid(node)


def _normalise(root: etree._Element, filename: str, res: ValidationResult) -> bool:
    changed = False
    expr_tags = [f"{B}conditionExpression", f"{B}completionCondition", f"{B}loopCardinality"]
    for tag in expr_tags:
        for node in root.iter(tag):
            m = JUEL.match(node.text or "")
            if m:
                node.text = m.group(1).strip()
                changed = True
                res.warnings.append(DiagramError(
                    f"JUEL expression '{m.group(0).strip()}' rewritten as Python '{node.text}'",
                    _owner_id(node), node.sourceline, filename, fix=node.text))
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in root.iter(f"{B}{tag}"):
            text = (node.text or "").strip()
            m = JUEL.match(text)
            if m:
                text = m.group(1).strip()
                node.text = text
                changed = True
            if ISO_DURATION.match(text) or ISO_REPEAT.match(text) or ISO_DATE.match(text):
                node.text = repr(text)
                changed = True
                res.warnings.append(DiagramError(
                    f"bare ISO-8601 literal {text} in a timer quoted as the Python string {node.text}",
                    _owner_id(node), node.sourceline, filename, fix=node.text))
    return changed


def _compile(source: str | None, mode: str, node: etree._Element, what: str, filename: str,
             res: ValidationResult) -> None:
    if source is None or not source.strip():
        return
    for problem in compile_check(source, mode):  # type: ignore[arg-type]
        line = node.sourceline
        if problem.get("line") and mode == "exec":
            line = (node.sourceline or 0) + int(problem["line"]) - 1
        res.errors.append(DiagramError(f"{what} does not compile: {problem['message']}", _owner_id(node)
                                       if node.get("id") is None else node.get("id"), line, filename))


def _check_bpmn(root: etree._Element, filename: str, res: ValidationResult, known_handlers: set[str]) -> None:
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(B):
            continue
        local = node.tag[len(B):]
        nid = node.get("id")
        if nid in RESERVED_IDS:
            res.errors.append(DiagramError(
                f"element id '{nid}' collides with an internal name of the engine; rename it", nid,
                node.sourceline, filename))
        if local in UNSUPPORTED_FLOW_NODES:
            res.errors.append(DiagramError(f"unsupported element bpmn:{local}", nid, node.sourceline,
                                           filename))
        if local == "serviceTask":
            topic = node.get(f"{C}topic")
            if not topic:
                res.errors.append(DiagramError(
                    "service task names no handler: set Implementation = External and Topic = a handler "
                    f"name ({', '.join(sorted(known_handlers)) or 'none registered'})", nid,
                    node.sourceline, filename))
            elif topic not in known_handlers:
                res.errors.append(DiagramError(f"unknown handler '{topic}'", nid, node.sourceline,
                                               filename))
            for p in node.iter(f"{C}inputParameter"):
                _compile(p.text, "eval", p, f"input parameter '{p.get('name')}'", filename, res)
        if local == "scriptTask":
            script = node.find(f"{B}script")
            if script is not None:
                _compile(script.text, "exec", script, "script", filename, res)
        if local in ("conditionExpression", "completionCondition", "loopCardinality"):
            _compile(node.text, "eval", node, local, filename, res)
        if local in ("timeDuration", "timeDate", "timeCycle"):
            _compile(node.text, "eval", node, f"timer expression ({local})", filename, res)
        if local == "multiInstanceLoopCharacteristics":
            coll = node.get(f"{C}collection")
            if coll:
                _compile(coll, "eval", node, "multi-instance collection", filename, res)
        if local in ("userTask", "manualTask"):
            for prop in node.iter(f"{C}property"):
                if prop.get("name") in ("assignee", "due", "candidates"):
                    _compile(prop.get("value"), "eval", node, f"property '{prop.get('name')}'",
                             filename, res)
            fields = [f.get("id") for f in node.iter(f"{C}formField")]
            dupes = {f for f in fields if fields.count(f) > 1}
            for d in sorted(x for x in dupes if x):
                res.errors.append(DiagramError(f"form field '{d}' is defined twice", nid, node.sourceline,
                                               filename))


def validate_sources(sources: dict[str, str], process_key: str | None = None) -> ValidationResult:
    res = ValidationResult()
    known = set(handler_names())
    normalised: dict[str, str] = {}
    for name, text in sources.items():
        try:
            root = parse_xml(text, name)
        except DiagramInvalid as exc:
            res.errors.extend(exc.errors)
            continue
        if not is_dmn(root):
            if _normalise(root, name, res):
                text = etree.tostring(root, encoding="unicode")
            _check_bpmn(root, name, res, known)
        normalised[name] = text
    res.sources = normalised
    if res.errors:
        return res
    try:
        res.parsed = parse_definition(normalised, process_key)
    except DiagramInvalid as exc:
        res.errors.extend(exc.errors)
    return res
