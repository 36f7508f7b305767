"""Users: authentication (argon2 hashes), demo users, administration."""

from __future__ import annotations

import secrets
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from processes import statements as st
from processes.access import Permission, require
from processes.db import UnitOfWork
from processes.errors import Conflict, Invalid, Unauthorized
from processes.messages import field_error, t
from processes.models import ROLES, User
from processes.services.core import Actor, record
from processes.settings import SettingsError

_hasher = PasswordHasher()
_USER_COLUMNS = tuple(c.key for c in User.__table__.columns)
# a real hash to verify against when the user does not exist (same timing either way)
_DUMMY = _hasher.hash("not-a-password")
DEMO_PASSWORD = "demo"  # the password of the demo users (development and test only)
REMOVE_DEMO_USERS = "flask --app app remove-demo-users"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(uow: UnitOfWork, username: str, password: str) -> User:
    with uow:
        user = uow.s.scalars(select(User).where(User.username == username)).first()
        try:
            _hasher.verify(user.password_hash if user else _DUMMY, password or "")
        except (VerificationError, InvalidHashError):
            raise Unauthorized(t("用户名或密码错误"), code="wrong_credentials") from None
        if user is None:
            raise Unauthorized(t("用户名或密码错误"), code="wrong_credentials")
        if not user.active:
            raise Unauthorized(t("该账号已停用"), code="account_deactivated")
        return user


def load_user(uow: UnitOfWork, user_id: int) -> User | None:
    """A detached copy of the user (read on every authenticated request: kept lean)."""
    with uow:

        row = uow.s.execute(st.USER_BY_ID, {"id": user_id}).mappings().first()
        return User(**dict(row)) if row is not None else None


def cached_user(rt: Any, user_id: int, reads: Callable[[], UnitOfWork]) -> User | None:
    """The user behind a token or a session, read at most once per ``auth_cache_seconds`` (settings,
    default 10 s) per process: a request usually needs no query to authenticate. A deactivation, a
    password reset or a role change made by this process applies at once (``forget_user``); one made
    by another web process applies when its cached copy expires, within ``auth_cache_seconds``.
    ``reads`` gives the unit of work to read with, opened only on a miss."""
    ttl = float(rt.settings.auth_cache_seconds)
    now = time.monotonic()
    hit = rt.user_cache.get(user_id)
    if hit is not None and hit[1] > now:
        return User(**hit[0])
    user = load_user(reads(), user_id)
    if user is not None and ttl > 0:
        rt.user_cache[user_id] = ({c: getattr(user, c) for c in _USER_COLUMNS}, now + ttl)
    return user


def forget_user(runtime: Any, user_id: int) -> None:
    runtime.user_cache.pop(user_id, None)


def counties(config_dir: str | Path) -> list[dict[str, str]]:
    with (Path(config_dir) / "counties.toml").open("rb") as fh:
        return list(tomllib.load(fh)["county"])


def create_user(uow: UnitOfWork, actor: Actor, username: str, password: str, role: str,
                county: str | None = None, display_name: str = "") -> User:
    require(actor, Permission.MANAGE_USERS)
    errors = []
    if not username or not username.replace("-", "").replace("_", "").isalnum():
        errors.append(field_error("username", "username_invalid", "用户名只能包含字母、数字、- 和 _"))
    if role not in ROLES:
        errors.append(field_error("role", "role_invalid", "角色必须是 {roles} 之一", roles=", ".join(ROLES)))
    if role == "county_officer" and not county:
        errors.append(field_error("county", "county_required", "县级主管部门用户必须指定县（市、区）"))
    errors.extend(county_errors(uow, county))
    errors.extend(password_errors(uow, password))
    if errors:
        raise Invalid(t("用户信息有误"), errors, code="user_invalid")
    with uow:
        if uow.s.scalars(select(User).where(User.username == username)).first():
            raise Conflict(t("用户 {name} 已存在", name=username), code="user_exists")
        user = User(username=username, password_hash=hash_password(password), role=role, county=county,
                    display_name=display_name or username, active=True, auth_version=1,
                    created_at=uow.runtime.now())
        uow.s.add(user)
        uow.s.flush()
        record(uow, actor, "user.created", data={"username": username, "role": role, "county": county})
        uow.commit()
        return user


def county_errors(uow: UnitOfWork, county: str | None, field: str = "county") -> list[dict[str, Any]]:
    """A county given for a user is one of the configured counties (config/counties.toml)."""
    if county and county not in {c["code"] for c in counties(uow.runtime.settings.config_dir)}:
        return [field_error(field, "county_unknown", "没有这个县（市、区）：{county}", county=county)]
    return []


def email_errors(email: str | None, field: str = "email") -> list[dict[str, Any]]:
    """An e-mail address typed by an administrator: empty (none) or a well-formed address (the
    notification mail goes there); whether the mailbox exists is not checked."""
    if not email or not email.strip():
        return []
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        return [field_error(field, "email_invalid", "不是有效的电子邮箱地址")]
    return []


def password_errors(uow: UnitOfWork, password: str | None, field: str = "password") -> list[dict[str, Any]]:
    """A password an administrator sets (new user, reset): at least ``password_min_length`` characters."""
    minimum = int(uow.runtime.settings.password_min_length)
    if len(password or "") < minimum:
        return [field_error(field, "password_too_short", "密码至少 {n} 个字符", n=minimum)]
    return []


def _demo_user_entries(config_dir: str | Path) -> list[dict[str, Any]]:
    with (Path(config_dir) / "demo_users.toml").open("rb") as fh:
        wanted = list(tomllib.load(fh)["user"])
    for c in counties(config_dir):
        wanted.append({"username": f"county-{c['code']}", "display_name": f"{c['name']}工信局",
                       "role": "county_officer", "county": c["code"]})
    return wanted


def _has_demo_password(password_hash: str, checked: dict[str, bool]) -> bool:
    if password_hash not in checked:  # the demo users share one hash: usually one verification in all
        try:
            checked[password_hash] = _hasher.verify(password_hash, DEMO_PASSWORD)
        except (VerificationError, InvalidHashError):
            checked[password_hash] = False
    return checked[password_hash]


def demo_accounts(uow: UnitOfWork, config_dir: str | Path) -> list[str]:
    """The demo users (config/demo_users.toml and county-<code>) that can still log in with the demo
    password: production refuses to start while there are any."""
    names = [u["username"] for u in _demo_user_entries(config_dir)]
    checked: dict[str, bool] = {}
    with uow:
        rows = uow.s.scalars(select(User).where(User.username.in_(names), User.active.is_(True))).all()
        return sorted(u.username for u in rows if _has_demo_password(u.password_hash, checked))


def refuse_demo_accounts(uow: UnitOfWork, config_dir: str | Path) -> None:
    """Startup check of the production web app and scheduler: raises naming the command that helps."""
    found = demo_accounts(uow, config_dir)
    if found:
        raise SettingsError(f"production refuses to start while demo users with the demo password exist "
                            f"({', '.join(found[:5])}{' …' if len(found) > 5 else ''}): remove them with "
                            f"`{REMOVE_DEMO_USERS}`")


def remove_demo_users(uow: UnitOfWork, actor: Actor, config_dir: str | Path) -> dict[str, list[str]]:
    """Remove the demo accounts that still have the demo password: deleted when nothing refers to them,
    otherwise (they acted in some case) deactivated with an unusable password, so history keeps its
    people. Accounts whose password was changed are left alone."""
    found = set(demo_accounts(uow, config_dir))
    deleted: list[str] = []
    disabled: list[str] = []
    with uow:
        for user in uow.s.scalars(select(User).where(User.username.in_(found)).order_by(User.username)):
            try:
                with uow.s.begin_nested():
                    uow.s.delete(user)
                    uow.s.flush()
                deleted.append(user.username)
                continue
            except IntegrityError:
                pass
            user = uow.s.scalars(select(User).where(User.username == user.username)).one()
            user.active = False
            user.password_hash = hash_password(secrets.token_urlsafe(32))
            user.auth_version += 1  # ends its sessions and API tokens
            disabled.append(user.username)
        record(uow, actor, "user.demo_removed", data={"deleted": deleted, "deactivated": disabled})
        uow.commit()
    return {"deleted": deleted, "deactivated": disabled}


def ensure_demo_users(uow: UnitOfWork, config_dir: str | Path, password: str = DEMO_PASSWORD) -> int:
    """Create the demo users that do not exist yet (idempotent). Returns how many were created."""
    wanted = _demo_user_entries(config_dir)
    created = 0
    with uow:
        have = set(uow.s.scalars(select(User.username)))
        pw = hash_password(password)
        for u in wanted:
            if u["username"] in have:
                continue
            uow.s.add(User(username=u["username"], display_name=u.get("display_name", u["username"]),
                           title=u.get("title", ""), employer=u.get("employer", ""),
                           password_hash=pw, role=u["role"], county=u.get("county"), active=True,
                           auth_version=1, created_at=uow.runtime.now()))
            created += 1
        uow.commit()
    return created
