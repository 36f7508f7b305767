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
from processes.messages import t

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
# set by the runtime on every instance (start data); a form field of that name would overwrite it
RESERVED_VARIABLES = {"initiator", "initiator_county", "business_key"}
ISO_DURATION = re.compile(r"^\s*-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?\s*$")
ISO_REPEAT = re.compile(r"^\s*R\d*/")
ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?\s*$")
JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
FEEL = re.compile(r"^\s*=(?!=)\s*(.+?)\s*$", re.S)  # Camunda 8 / Zeebe writes expressions as "=x"


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


# Elements a modeler can select: an error is reported on the nearest of these (a condition's own
# id, as some tools write it, is not selectable; its sequence flow is; a timer's error belongs to its
# event, not to its timerEventDefinition).
DIAGRAM_ELEMENTS = SUPPORTED_FLOW_NODES | UNSUPPORTED_FLOW_NODES | {
    "sequenceFlow", "process", "participant", "lane", "dataObject", "dataObjectReference", "dataStore",
    "dataStoreReference", "messageFlow", "association", "textAnnotation", "group", "message", "signal",
    "error", "escalation", "collaboration",
}


def _owner_id(node: etree._Element) -> str | None:
    """The id of the diagram element an expression belongs to (skip the expression node itself)."""
    cur: etree._Element | None = node.getparent()
    while cur is not None:
        if isinstance(cur.tag, str) and cur.tag.startswith(B) and cur.tag[len(B):] in DIAGRAM_ELEMENTS \
                and cur.get("id"):
            return cur.get("id")
        cur = cur.getparent()
    parent = node.getparent()
    return _eid(parent) if parent is not None else _eid(node)


_JUEL_OPS = ((re.compile(r"&&"), " and "), (re.compile(r"\|\|"), " or "),
             (re.compile(r"!(?!=)"), " not "), (re.compile(r"\btrue\b"), "True"),
             (re.compile(r"\bfalse\b"), "False"), (re.compile(r"\bnull\b"), "None"),
             (re.compile(r"\beq\b"), "=="), (re.compile(r"\bne\b"), "!="),
             (re.compile(r"\bempty\s+(\w+)"), r"not \1"))


def juel_to_python(expr: str) -> str:
    """Best-effort rewrite of a JUEL body (``!approved && x``) as Python (``not approved and x``)."""
    out = expr
    for pattern, repl in _JUEL_OPS:
        out = pattern.sub(repl, out)
    return re.sub(r"\s+", " ", out).strip()


def _normalise(root: etree._Element, filename: str, res: ValidationResult) -> bool:
    changed = False
    expr_tags = [f"{B}conditionExpression", f"{B}completionCondition", f"{B}loopCardinality"]
    for tag in expr_tags:
        for node in root.iter(tag):
            m = JUEL.match(node.text or "")
            feel = FEEL.match(node.text or "")
            if feel and not m:
                node.text = feel.group(1).strip()
                changed = True
                res.warnings.append(DiagramError(
                    t("FEEL 表达式 '{expr}' 已改写为 Python 表达式 '{python}'", expr=feel.group(0).strip(),
                      python=node.text),
                    _owner_id(node), node.sourceline, filename, fix=node.text))
            if m:
                node.text = juel_to_python(m.group(1).strip())
                changed = True
                res.warnings.append(DiagramError(
                    t("JUEL 表达式 '{expr}' 已改写为 Python 表达式 '{python}'", expr=m.group(0).strip(),
                      python=node.text),
                    _owner_id(node), node.sourceline, filename, fix=node.text))
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in root.iter(f"{B}{tag}"):
            text = (node.text or "").strip()
            m = JUEL.match(text)
            if m:
                text = juel_to_python(m.group(1).strip())
                node.text = text
                changed = True
                res.warnings.append(DiagramError(
                    t("JUEL 表达式 '{expr}' 已改写为 Python 表达式 '{python}'", expr=m.group(0).strip(), python=text),
                    _owner_id(node), node.sourceline, filename, fix=text))
            if ISO_DURATION.match(text) or ISO_REPEAT.match(text) or ISO_DATE.match(text):
                node.text = repr(text)
                changed = True
                res.warnings.append(DiagramError(
                    t("定时器中未加引号的 ISO-8601 写法 {text} 已改为 Python 字符串 {python}", text=text,
                      python=node.text),
                    _owner_id(node), node.sourceline, filename, fix=node.text))
    return changed


def _compile(source: str | None, mode: str, node: etree._Element, what: str, filename: str,
             res: ValidationResult) -> None:
    if source is None or not source.strip():
        return
    try:
        problems = compile_check(source, mode)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - e.g. null bytes, absurd nesting: report, never crash
        problems = [{"line": None, "column": None, "message": f"{type(exc).__name__}: {exc}"}]
    local = node.tag[len(B):] if isinstance(node.tag, str) and node.tag.startswith(B) else ""
    element_id = node.get("id") if local in DIAGRAM_ELEMENTS else _owner_id(node)
    for problem in problems:
        line = node.sourceline
        if problem.get("line") and mode == "exec":
            line = (node.sourceline or 0) + int(problem["line"]) - 1
        col = t("（第 {n} 列）", n=problem["column"]) if problem.get("column") else ""
        hint = ""
        lang = node.get("language") or ""
        if lang and "python" not in lang.lower():
            hint = t("；它是用 {lang} 写的，但这里的表达式按 Python 执行", lang=lang)
        res.errors.append(DiagramError(t("{what}无法编译：{problem}{column}{hint}：{source}", what=what,
                                         problem=problem["message"], column=col, hint=hint,
                                         source=repr(source.strip()[:80])), element_id, line, filename))


def _check_bpmn(root: etree._Element, filename: str, res: ValidationResult, known_handlers: set[str],
                helper_names: frozenset[str] = frozenset()) -> None:
    mi_variables = {v for n in root.iter(f"{B}multiInstanceLoopCharacteristics")
                    for v in (n.get(f"{C}collection"), n.get(f"{C}elementVariable")) if v and v.isidentifier()}
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(B):
            continue
        local = node.tag[len(B):]
        nid = node.get("id")
        if nid in RESERVED_IDS:
            res.errors.append(DiagramError(
                t("元素 id '{id}' 与引擎的内部名称冲突，请改名", id=nid), nid,
                node.sourceline, filename))
        if local in UNSUPPORTED_FLOW_NODES:
            res.errors.append(DiagramError(t("不支持的元素 bpmn:{element}", element=local), nid, node.sourceline,
                                           filename))
        if local == "serviceTask":
            topic = node.get(f"{C}topic")
            if not topic:
                res.errors.append(DiagramError(
                    t("服务任务没有指定处理程序：请把“实现方式”设为 External，Topic 填处理程序名称（{names}）",
                      names=", ".join(sorted(known_handlers)) or t("尚未注册")), nid,
                    node.sourceline, filename))
            elif topic not in known_handlers:
                res.errors.append(DiagramError(t("未知的处理程序 '{topic}'", topic=topic), nid, node.sourceline,
                                               filename))
            for p in node.iter(f"{C}inputParameter"):
                _compile(p.text, "eval", p, t("输入参数 '{name}'", name=p.get("name")), filename, res)
        if local == "scriptTask":
            fmt = (node.get("scriptFormat") or "python").lower()
            script = node.find(f"{B}script")
            if "python" not in fmt and script is not None and (script.text or "").strip():
                res.errors.append(DiagramError(
                    t("不支持脚本语言 '{lang}'：脚本按 Python 执行", lang=node.get("scriptFormat")),
                    nid, node.sourceline, filename, fix='scriptFormat="python"'))
            elif script is not None:
                _compile(script.text, "exec", script, t("脚本"), filename, res)
        if local in ("conditionExpression", "completionCondition", "loopCardinality"):
            _compile(node.text, "eval", node, t("表达式（{element}）", element=local), filename, res)
        if local in ("timeDuration", "timeDate", "timeCycle"):
            _compile(node.text, "eval", node, t("定时器表达式（{element}）", element=local), filename, res)
        if local == "multiInstanceLoopCharacteristics":
            coll = node.get(f"{C}collection")
            if coll:
                _compile(coll, "eval", node, t("多实例集合"), filename, res)
        if local in ("userTask", "manualTask"):
            for prop in node.iter(f"{C}property"):
                if prop.get("name") in ("assignee", "due", "candidates"):
                    _compile(prop.get("value"), "eval", node, t("属性 '{name}'", name=prop.get("name")),
                             filename, res)
            fields = [f.get("id") for f in node.iter(f"{C}formField")]
            dupes = {f for f in fields if fields.count(f) > 1}
            for d in sorted(x for x in dupes if x):
                res.errors.append(DiagramError(t("表单字段 '{id}' 定义了两次", id=d), nid, node.sourceline,
                                               filename))
            for f in node.iter(f"{C}formField"):
                fid = f.get("id") or ""
                if not fid.isidentifier() or fid.startswith("_"):
                    res.errors.append(DiagramError(
                        t("表单字段 id '{id}' 不能用作变量名（只能含字母、数字和 _，且不以 _ 或数字开头）", id=fid),
                        nid, f.sourceline, filename))
                elif fid in RESERVED_VARIABLES:
                    res.errors.append(DiagramError(
                        t("表单字段 '{id}' 与系统为每个实例设置的变量同名，请改名", id=fid),
                        nid, f.sourceline, filename))
                elif fid in helper_names:
                    res.errors.append(DiagramError(
                        t("表单字段 '{id}' 与表达式函数 '{id}()' 同名，请改名", id=fid),
                        nid, f.sourceline, filename))
                elif fid in mi_variables:
                    res.errors.append(DiagramError(
                        t("表单字段 '{id}' 与多实例的集合或元素变量同名，请改名", id=fid),
                        nid, f.sourceline, filename))


def _helper_names() -> frozenset[str]:
    try:
        from processes.runtime import script_helpers

        return frozenset(script_helpers())
    except Exception:  # noqa: BLE001 - the helpers are optional for validation
        return frozenset()


def validate_sources(sources: dict[str, str], process_key: str | None = None) -> ValidationResult:
    res = ValidationResult()
    known = set(handler_names())
    helpers = _helper_names()
    normalised: dict[str, str] = {}
    for name, text in sources.items():
        try:
            root = parse_xml(text, name)
        except DiagramInvalid as exc:
            res.errors.extend(exc.errors)
            continue
        try:
            if not is_dmn(root):
                if _normalise(root, name, res):
                    text = etree.tostring(root, encoding="unicode")
                _check_bpmn(root, name, res, known, helpers)
        except Exception as exc:  # noqa: BLE001 - a diagram from another tool must never crash the check
            res.errors.append(DiagramError(t("无法检查该流程图：{error}", error=f"{type(exc).__name__}: {exc}"),
                                           None, None, name))
        normalised[name] = text
    res.sources = normalised
    if res.errors:
        return res
    try:
        res.parsed = parse_definition(normalised, process_key)
    except DiagramInvalid as exc:
        res.errors.extend(exc.errors)
    except Exception as exc:  # noqa: BLE001
        res.errors.append(DiagramError(t("引擎无法读取该流程图：{error}", error=f"{type(exc).__name__}: {exc}")))
    return res
