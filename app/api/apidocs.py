"""The OpenAPI 3.1 document of /api/v1 (generated from the routes' models) and a page to browse it
(Swagger UI, installed from the npm registry by ``make setup`` into app/static/dist/swagger/)."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_openapi3 import OpenAPI

bp = Blueprint("apidocs", __name__)


@bp.get("/api/v1/openapi.json")
def openapi_json() -> ResponseReturnValue:
    spec: dict[str, Any] = cast(OpenAPI, current_app).api_doc
    return jsonify(spec)


@bp.get("/api/docs")
def browse() -> ResponseReturnValue:
    return render_template("apidocs.html")
