"""The OpenAPI document describes every /api/v1 route, with its error responses."""

from __future__ import annotations

import re
from typing import Any

import pytest

SELF = {"/api/v1/openapi.json"}  # the document itself


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture
def spec(api: Any) -> dict[str, Any]:
    r = api.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def test_every_api_route_is_in_the_document_with_its_errors(app: Any, spec: dict[str, Any]) -> None:
    missing, undeclared = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in SELF:
            continue
        path = _openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = spec["paths"].get(path, {}).get(method.lower())
            if op is None:
                missing.append(f"{method} {path}")
                continue
            responses = set(op["responses"])
            need = {"400", "422"} | ({"401"} if op.get("security") != [] else set())
            if "{" in path:
                need.add("404")  # a path parameter may name nothing (or not match the route at all)
            if not need <= responses:
                undeclared.append(f"{method} {path}: {sorted(need - responses)}")
            if not op.get("summary"):
                undeclared.append(f"{method} {path}: no summary")
    assert not missing, missing
    assert not undeclared, undeclared


def test_public_routes_need_no_token(spec: dict[str, Any]) -> None:
    public = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m, op in ops.items()
              if op.get("security") == []}
    assert public == {"POST /api/v1/auth/token", "POST /api/v1/applications/{business_key}/objections",
                      "GET /api/v1/register", "GET /api/v1/supervision/revocations",
                      "GET /api/v1/notices/publicity/{start}.pdf", "GET /api/v1/notices/rounds/{year}.pdf",
                      "GET /api/v1/notices/revocations/{revocation_id}.pdf", "GET /api/v1/exports/register.{fmt}"}


def test_files_are_declared_with_their_content_types(spec: dict[str, Any]) -> None:
    ops = spec["paths"]
    assert set(ops["/api/v1/applications/{business_key}/documents/{mkey}.{fmt}"]["get"]["responses"]["200"]
               ["content"]) == {"application/pdf",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    assert set(ops["/api/v1/exports/register.{fmt}"]["get"]["responses"]["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"}
    assert "multipart/form-data" in ops["/api/v1/applications/{business_key}/materials/{mkey}"]["post"][
        "requestBody"]["content"]
    assert set(ops["/api/v1/calendar/years"]["post"]["requestBody"]["content"]) == {
        "multipart/form-data", "application/json", "text/plain"}


def test_model_names_are_unique_across_areas() -> None:
    """The document names each schema after its class: two classes of one name would overwrite each other."""
    import importlib
    import inspect
    import pkgutil

    from pydantic import BaseModel

    import app.api

    seen: dict[str, type] = {}
    clashes = []
    for info in pkgutil.iter_modules(app.api.__path__):
        module = importlib.import_module(f"app.api.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseModel) and cls.__module__ == module.__name__:
                if name in seen and seen[name] is not cls:
                    clashes.append(f"{name}: {seen[name].__module__} and {cls.__module__}")
                seen.setdefault(name, cls)
    assert not clashes, clashes
