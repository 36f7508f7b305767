"""Layered settings: config/<env>.toml → instance/settings.toml → APP_* environment → overrides.

Never read at import time: ``load_settings`` is called by the app factory, the CLI and tests.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
DEFAULT_SECRET = "dev-insecure-change-me"
MIN_SECRET_BYTES = 32  # production: a secret key at least this long (signs sessions and API tokens)
ENVIRONMENTS = ("development", "test", "production")


class SettingsError(Exception):
    """The configuration is unusable; the message says which setting and why."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = ""
    demo_clock: bool = False
    demo_data: bool = False
    scheduler_poll_seconds: float = 2.0
    script_timeout_seconds: float = 1.0
    upload_max_mb: int = 20
    token_max_age_hours: int = 12
    # how long a process may reuse the user behind a token/session before reading it again: a
    # deactivation made in another web process applies within this time (services.users.cached_user)
    auth_cache_seconds: float = 10.0
    # how long a clock-move request works on the move before it returns its progress (the scheduler
    # does the rest in batches): services.clock.request_move
    clock_request_budget_seconds: float = 1.0
    # uploads and generated documents: "file" (under instance_path) or "s3" (any S3-compatible store,
    # shared by several web hosts; credentials from the environment): processes/storage.py
    storage_backend: str = "file"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    instance_path: str = str(ROOT / "instance")
    diagrams_dir: str = str(ROOT / "bpmn-diagrams")
    config_dir: str = str(CONFIG_DIR)
    certificate_format: str = "LCSME-{year}-{seq:03d}"
    # Roles that may start a process whose diagram names no camunda:candidateStarterGroups
    # (APP_DEFAULT_STARTER_ROLES="admin,municipal_reviewer"). Applicants never by default.
    default_starter_roles: tuple[str, ...] = ("admin", "municipal_reviewer")
    # documents: the public site's base URL (QR codes, notices) and the CJK font file embedded in PDFs
    public_base_url: str = "http://127.0.0.1:5000"
    document_font: str = ""
    # e-mail beside the in-app notifications (processes/notifications/mail.py): off while smtp_host is
    # empty; smtp_tls = STARTTLS on smtp_port (port 465: TLS from the first byte); a user receives mail
    # when their account has an e-mail address
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_tls: bool = True
    # passwords set by an administrator (new user, reset) need at least this many characters
    password_min_length: int = 10
    # rate limits (Flask-Limiter): "memory://" counts per process; with several web workers point every
    # worker at one store, e.g. "redis://127.0.0.1:6379/0"
    ratelimit_storage_uri: str = "memory://"
    # reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (0: none)
    trusted_proxies: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.instance_path) / 'app.db'}"

    def check(self) -> None:
        """Refuse unsafe production settings: the default or a short secret key, the demo clock, demo data;
        e-mail configured without a sender."""
        if self.password_min_length < 1:
            raise SettingsError("password_min_length must be at least 1")
        if self.trusted_proxies < 0:
            raise SettingsError("trusted_proxies must be 0 or more")
        if self.smtp_host and "@" not in self.smtp_from:
            raise SettingsError("smtp_host is set but smtp_from is not an address: set smtp_from "
                                "(e.g. \"聊城市工业和信息化局 <noreply@example.gov.cn>\")")
        if self.env == "production":
            if self.secret_key in ("", DEFAULT_SECRET):
                raise SettingsError(
                    "production refuses to start with the default secret key: "
                    "set APP_SECRET_KEY or secret_key in instance/settings.toml"
                )
            if len(self.secret_key.encode("utf-8")) < MIN_SECRET_BYTES:
                raise SettingsError(
                    f"production refuses a secret key shorter than {MIN_SECRET_BYTES} bytes "
                    f"(this one has {len(self.secret_key.encode('utf-8'))}): set APP_SECRET_KEY to a random value, "
                    "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
            if self.demo_clock:
                raise SettingsError("production refuses to start with the demo clock enabled (demo_clock)")
            if self.demo_data:
                raise SettingsError("production refuses to load demo data (demo_data)")


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def _coerce(name: str, raw: str, target: Any) -> Any:
    if isinstance(target, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(target, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(target, int):
        return int(raw)
    if isinstance(target, float):
        return float(raw)
    return raw


def load_settings(env: str | None = None, instance_path: str | None = None, **overrides: Any) -> Settings:
    env = env or os.environ.get("APP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise SettingsError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not '{env}'")
    defaults = Settings()
    instance = instance_path or os.environ.get("APP_INSTANCE_PATH") or defaults.instance_path
    values: dict[str, Any] = _read_toml(CONFIG_DIR / f"{env}.toml")
    values |= _read_toml(Path(instance) / "settings.toml")
    known = {f.name: getattr(defaults, f.name) for f in fields(Settings)}
    for key, raw in os.environ.items():
        if key.startswith("APP_") and key not in ("APP_ENV", "APP_INSTANCE_PATH"):
            name = key[4:].lower()
            if name in known:
                values[name] = _coerce(name, raw, known[name])
    values |= overrides
    unknown = set(values) - set(known)
    extra = {k: values.pop(k) for k in unknown}
    for name, value in values.items():  # TOML gives lists where the setting is a tuple
        if isinstance(known.get(name), tuple) and isinstance(value, list):
            values[name] = tuple(value)
    settings = Settings(env=env, instance_path=instance, **{k: v for k, v in values.items() if k != "env"},
                        extra=extra)
    settings.check()
    return settings
