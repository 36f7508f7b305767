"""Deploying diagrams: validate, then version by content hash (same content → same version)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, select

from handlers.measures import measure_from, measure_properties
from processes.db import UnitOfWork
from processes.engine.spec import DiagramError, content_hash, is_dmn, parse_xml
from processes.engine.validate import validate_sources
from processes.errors import Forbidden, Invalid
from processes.messages import t
from processes.models import DecisionFile, ProcessDefinition
from processes.services.core import Actor, record

DMN_DECISION = "decision"
DEPLOYER_ROLES = ("process_owner", "admin", "system")


@dataclass
class DeployResult:
    key: str
    version: int
    created: bool
    definition_id: int | None = None
    warnings: list[dict] = field(default_factory=list)
    kind: str = "bpmn"


def decision_ids(root: etree._Element) -> list[str]:
    return [n.get("id") for n in root.iter() if isinstance(n.tag, str) and etree.QName(n).localname ==
            DMN_DECISION and n.get("id")]


def decision_refs(root: etree._Element) -> set[str]:
    return {v for n in root.iter() for k, v in n.attrib.items() if k.endswith("}decisionRef")}


def measure_of(root: etree._Element, filename: str) -> dict[str, Any] | None:
    """Art. 23: the measure a diagram or decision table implements, from its ``camunda:property``
    entries ``measure_title``, ``measure_number``, ``measure_effective_from``, ``measure_effective_to``
    (None when it names none)."""
    props = measure_properties((n.get("name") or "", n.get("value") or "") for n in root.iter()
                               if isinstance(n.tag, str) and etree.QName(n).localname == "property")
    if not props:
        return None
    try:
        return measure_from(props).as_dict()
    except ValueError as exc:
        raise Invalid(t("{file}：{problem}", file=filename, problem=str(exc)),
                      [_problem("measure_invalid", str(exc))], code="measure_invalid") from None


def latest_decision_files(uow: UnitOfWork) -> dict[str, DecisionFile]:
    latest: dict[str, DecisionFile] = {}
    for d in uow.s.scalars(select(DecisionFile).order_by(DecisionFile.version)):
        latest[d.name] = d
    return latest


def _problem(code: str, message: str) -> dict[str, Any]:
    """A problem of a file that belongs to no element (the shape of the diagram's problems)."""
    return {"element_id": None, "line": None, "code": code, "message": message}


def _invalid(errors: list[DiagramError], filename: str) -> Invalid:
    errs = [e.as_dict() | {"file": e.file or filename, "code": "diagram_error"} for e in errors]
    first = errs[0]
    where = t("（元素 {element}）", element=first["element_id"]) if first.get("element_id") else ""
    line = t(" 第 {line} 行", line=first["line"]) if first.get("line") else ""
    return Invalid(t("{file}{line}{where}：{problem}", file=filename, line=line, where=where, problem=first["message"]),
                   errs, code="diagram_invalid")


def _deploy_bpmn(uow: UnitOfWork, actor: Actor, filename: str, text: str,
                 dmn_overrides: dict[str, str] | None = None) -> DeployResult:
    root = parse_xml(text, filename)
    refs = decision_refs(root)
    sources = {filename: text}
    dmn_pool = {d.name: d.content for d in latest_decision_files(uow).values()}
    dmn_pool.update(dmn_overrides or {})
    for name, content in dmn_pool.items():
        if refs & set(decision_ids(parse_xml(content, name))):
            sources[name] = content
    result = validate_sources(sources)
    if not result.ok or result.parsed is None:
        raise _invalid(result.errors, filename)
    parsed = result.parsed
    sources = result.sources
    digest = content_hash(sources)
    existing = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == parsed.key,
                                                             ProcessDefinition.content_hash == digest)).first()
    warnings = [w.as_dict() for w in result.warnings]
    if existing is not None:
        return DeployResult(parsed.key, existing.version, False, existing.id, warnings)
    last = uow.s.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == parsed.key))
    measure = measure_of(root, filename)
    rule_sets = {name: m for name, text_ in sources.items() if name != filename
                 and (m := measure_of(parse_xml(text_, name), name)) is not None}
    if rule_sets:
        measure = {**(measure or {}), "rule_sets": rule_sets}
    d = ProcessDefinition(key=parsed.key, version=(last or 0) + 1, name=parsed.name, content_hash=digest,
                          sources=sources, bpmn_file=filename, deployed_by=actor.username,
                          deployed_at=uow.runtime.now(), measure=measure)
    uow.s.add(d)
    uow.s.flush()
    record(uow, actor, "definition.deployed", data={"key": d.key, "version": d.version, "file": filename,
                                                     "hash": digest, "warnings": warnings})
    return DeployResult(d.key, d.version, True, d.id, warnings)


def _deploy_dmn(uow: UnitOfWork, actor: Actor, filename: str, text: str) -> list[DeployResult]:
    root = parse_xml(text, filename)
    ids = decision_ids(root)
    if not ids:
        raise Invalid(t("{file}：决策表文件中没有决策", file=filename),
                      [_problem("no_decision", t("没有决策"))], code="no_decision")
    digest = content_hash({filename: text})
    latest = latest_decision_files(uow).get(filename)
    results: list[DeployResult] = []
    if latest is None or latest.content_hash != digest:
        version = (latest.version if latest else 0) + 1
        uow.s.add(DecisionFile(name=filename, version=version, content_hash=digest, content=text,
                               decision_ids=ids, deployed_by=actor.username, deployed_at=uow.runtime.now(),
                               measure=measure_of(root, filename)))
        uow.s.flush()
        record(uow, actor, "decision.deployed", data={"file": filename, "version": version, "hash": digest})
        results.append(DeployResult(filename, version, True, kind="dmn"))
    else:
        results.append(DeployResult(filename, latest.version, False, kind="dmn"))
    # processes whose latest version uses these decisions get a version with the new table
    keys = uow.s.scalars(select(ProcessDefinition.key).distinct()).all()
    for key in keys:
        d = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                          .order_by(ProcessDefinition.version.desc()).limit(1)).one()
        if filename in d.sources or decision_refs(parse_xml(d.sources[d.bpmn_file], d.bpmn_file)) & set(ids):
            res = _deploy_bpmn(uow, actor, d.bpmn_file, d.sources[d.bpmn_file], {filename: text})
            if res.created:
                results.append(res)
    return results


def deploy_file(uow: UnitOfWork, actor: Actor, filename: str, content: str | bytes) -> list[DeployResult]:
    """Deploy one .bpmn or .dmn file. Invalid → ``Invalid`` with [{element_id, line, message}]."""
    if actor.role not in DEPLOYER_ROLES:
        raise Forbidden(t("只有流程管理员和系统管理员可以发布流程图"))
    name = Path(filename or "").name
    if not name.lower().endswith((".bpmn", ".dmn", ".bpmn20.xml", ".xml")):
        raise Invalid(t("只能发布 .bpmn 和 .dmn 文件"),
                      [_problem("file_type", t("不支持的文件类型：{name}", name=name or "?"))], code="file_type")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid(t("{name} 不是 UTF-8 编码的文本", name=name),
                          [_problem("not_utf8", str(exc))], code="not_utf8") from exc
    with uow:
        try:
            root = parse_xml(content, name)
        except Exception as exc:  # DiagramInvalid
            raise _invalid(getattr(exc, "errors", [DiagramError(str(exc))]), name) from exc
        if is_dmn(root):
            results = _deploy_dmn(uow, actor, name, content)
        else:
            results = [_deploy_bpmn(uow, actor, name, content)]
        uow.commit()
        return results


def deploy_directory(uow: UnitOfWork, actor: Actor, directory: str | Path) -> list[DeployResult]:
    """Deploy every DMN, then every BPMN file of a folder (the run command deploys bpmn-diagrams/)."""
    path = Path(directory)
    files = sorted(path.glob("*.dmn")) + sorted(path.glob("*.bpmn"))
    results: list[DeployResult] = []
    for f in files:
        results.extend(deploy_file(uow, actor, f.name, f.read_text(encoding="utf-8")))
    return results
