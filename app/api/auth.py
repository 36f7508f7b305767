"""Authentication of API clients: a bearer token for a user name and password."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel, Field

from app.api.common import Strict, api_blueprint, errors, public
from app.extensions import current_actor_user, issue_token, ro_uow
from processes.models import User
from processes.services import users

bp = api_blueprint("auth", "认证")


class TokenIn(Strict):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    county: str | None = None
    display_name: str = ""


class TokenOut(BaseModel):
    token: str
    user: UserOut


@bp.post("/auth/token", summary="用户名和密码换取令牌", security=[], responses={200: TokenOut, **errors(429)})
@public
def token(body: TokenIn) -> Any:
    user = users.authenticate(ro_uow(), body.username, body.password)
    return jsonify({"token": issue_token(user), "user": _user(user)})


@bp.get("/me", summary="当前用户", responses={200: UserOut})
def me() -> Any:
    return jsonify(_user(current_actor_user()))


def _user(u: User) -> dict[str, object]:
    return {"id": u.id, "username": u.username, "role": u.role, "county": u.county,
            "display_name": u.display_name or u.username}
