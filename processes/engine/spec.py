"""Parsing diagrams (Camunda flavour) into specs, with errors as {element_id, line, message}."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from processes.engine.service_task import HandlerServiceTask, HandlerServiceTaskParser
from processes.messages import t

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NS_PREFIX = "https://www.omg.org/spec/DMN/"


class AppParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (HandlerServiceTaskParser, HandlerServiceTask),
    }


@dataclass
class DiagramError(Exception):
    """One problem in an uploaded diagram, located by element id and line."""

    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"element_id": self.element_id, "line": self.line, "message": self.message}
        if self.file:
            d["file"] = self.file
        if self.fix:
            d["fix"] = self.fix
        return d


class DiagramInvalid(Exception):
    def __init__(self, errors: list[DiagramError]) -> None:
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors


@dataclass
class ParsedDefinition:
    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)


def content_hash(sources: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(sources):
        h.update(name.encode())
        h.update(b"\0")
        h.update(sources[name].encode())
        h.update(b"\0")
    return h.hexdigest()


def is_dmn(xml_root: etree._Element) -> bool:
    return xml_root.tag.startswith("{" + DMN_NS_PREFIX) or "dmn" in (etree.QName(xml_root).namespace or "")


_XML_DECL_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def hardened_parser() -> etree.XMLParser:
    """The one XML parser of the system: no DTD loaded or validated, no entity expanded, no network,
    no huge trees (XXE, entity bombs and network fetches are impossible)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False)


def parse_xml(text: str, filename: str) -> etree._Element:
    try:
        parser = hardened_parser()
        if isinstance(text, str):
            # already decoded: a declared encoding (e.g. ISO-8859-1 from other tools) no longer applies
            text = _XML_DECL_ENCODING.sub(r"\1", text, count=1).lstrip("\ufeff")
            data = text.encode("utf-8")
        else:
            data = text
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramInvalid([DiagramError(t("XML 格式不正确：{why}", why=exc.msg), None, exc.lineno,
                                           filename)]) from exc
    except (ValueError, etree.LxmlError) as exc:
        raise DiagramInvalid([DiagramError(t("不是可读取的 XML 文件：{why}", why=str(exc)), None, None,
                                           filename)]) from exc
    if root is None:
        raise DiagramInvalid([DiagramError(t("文件为空"), None, None, filename)])
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # a BPMN or DMN file never needs one; entities in it would be left unexpanded and break later
        raise DiagramInvalid([DiagramError(
            t("文件声明了 DOCTYPE（DTD 或实体），流程图中不允许：请删除 <!DOCTYPE …> 声明和所有 &entity; 引用"),
            None, 1, filename, fix="remove <!DOCTYPE …>")])
    return root


def line_of(root: etree._Element, element_id: str | None) -> int | None:
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


_MISLEADING = re.compile(r"perhaps a form has the same ID", re.I)


def _validation_error(exc: ValidationException, roots: dict[str, etree._Element]) -> DiagramError:
    msg = str(exc).split("\n")[0]
    if _MISLEADING.search(msg):
        msg = t("有顺序流指向不存在的元素（请检查 sourceRef/targetRef）")
    line = exc.line_number if isinstance(exc.line_number, int) else None
    element_id = exc.id or None
    if line is None and element_id:
        for root in roots.values():
            line = line_of(root, element_id)
            if line:
                break
    if element_id is None:
        located = _located_error(msg, roots)
        if located.element_id:
            return located
    return DiagramError(msg, element_id, line, exc.file_name or None)


def parse_definition(sources: dict[str, str], process_key: str | None = None) -> ParsedDefinition:
    """Parse one BPMN file (plus the DMN files beside it) into the spec of its executable process."""
    roots = {name: parse_xml(text, name) for name, text in sources.items()}
    parser = AppParser()
    bpmn_names = [n for n, r in roots.items() if not is_dmn(r)]
    try:
        for name, root in roots.items():
            if is_dmn(root):
                parser.add_dmn_xml(root, filename=name)
        for name in bpmn_names:
            parser.add_bpmn_xml(roots[name], filename=name)
        ids = parser.get_process_ids()
        if not ids:
            raise DiagramInvalid(_no_executable_process(roots, bpmn_names))
        key = process_key or _main_process(roots, bpmn_names, ids)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except DiagramInvalid:
        raise
    except ValidationException as exc:
        raise DiagramInvalid([_validation_error(exc, roots)]) from exc
    except SpiffWorkflowException as exc:
        raise DiagramInvalid([_located_error(str(exc).split("\n")[0], roots)]) from exc
    except Exception as exc:  # noqa: BLE001 - diagrams from other tools: refuse, never crash
        raise DiagramInvalid([_located_error(
            f"the engine cannot read this diagram: {type(exc).__name__}: {exc}", roots)]) from exc
    name = spec.description or key
    return ParsedDefinition(key=key, name=name, spec=spec, subprocess_specs=subprocess_specs,
                            sources=dict(sources))


def _main_process(roots: dict[str, etree._Element], bpmn_names: list[str], ids: list[str]) -> str:
    """The executable process not called by another (the file's top-level process)."""
    called: set[str] = set()
    executable: list[str] = []
    for name in bpmn_names:
        root = roots[name]
        for node in root.iter(f"{{{BPMN_NS}}}callActivity"):
            if node.get("calledElement"):
                called.add(node.get("calledElement"))
        for proc in root.iter(f"{{{BPMN_NS}}}process"):
            if proc.get("isExecutable", "true").lower() != "false":
                executable.append(proc.get("id"))
    candidates = [p for p in executable if p in ids and p not in called] or [p for p in ids if p not in called]
    return candidates[0] if candidates else ids[0]


def _no_executable_process(roots: dict[str, etree._Element], bpmn_names: list[str]) -> list[DiagramError]:
    """Name every process of the file (all marked isExecutable="false", or none at all)."""
    errors: list[DiagramError] = []
    for name in bpmn_names:
        for proc in roots[name].iter(f"{{{BPMN_NS}}}process"):
            errors.append(DiagramError(
                t("流程“{name}”不可执行（isExecutable=\"{value}\"）：它只描述流程、不能运行；请把流程设为可执行后再部署",
                  name=proc.get("name") or proc.get("id"), value=proc.get("isExecutable", "false")),
                proc.get("id"), proc.sourceline, name,
                fix='isExecutable="true"'))
    if not errors:
        errors.append(DiagramError(t("文件中没有流程（只有协作图或编排图？）"), None,
                                   None, bpmn_names[0] if bpmn_names else None))
    return errors


_NAMED = re.compile(r"(?:with name|named|name) '?([^'\n]+?)'? (?:has|is|does)", re.I)
_QUOTED = re.compile(r"'([^'\s]{1,128})'")


def _located_error(message: str, roots: dict[str, etree._Element]) -> DiagramError:
    """An engine message without an element: find the element it names (by id or name)."""
    candidates = [m.group(1).strip() for m in _NAMED.finditer(message)] + _QUOTED.findall(message)
    for cand in candidates:
        for fname, root in roots.items():
            found = root.xpath("//*[@id=$v]", v=cand) or root.xpath("//*[@name=$v][@id]", v=cand)
            if found:
                return DiagramError(message, found[0].get("id"), found[0].sourceline, fname)
    return DiagramError(message)
