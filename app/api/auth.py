"""Authentication of API clients: a bearer token for a user name and password."""

from __future__ import annotations

from flask import jsonify

from app.api.common import api_blueprint, auth_required, json_body
from app.extensions import current_actor_user, issue_token, ro_uow
from processes.services import users

bp = api_blueprint("auth")
@bp.post("/auth/token")
def token():
    data = json_body()
    user = users.authenticate(ro_uow(), str(data.get("username", "")), str(data.get("password", "")))
    return jsonify({"token": issue_token(user), "user": {"username": user.username, "role": user.role,
                                                         "county": user.county}})


@bp.get("/me")
@auth_required
def me():
    u = current_actor_user()
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "county": u.county,
                    "display_name": u.display_name})
