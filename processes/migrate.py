"""Alembic, driven from code: the run command and the tests upgrade to head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(db: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = db
    return cfg


def upgrade(db: Engine, revision: str = "heads") -> None:
    command.upgrade(alembic_config(db), revision)
