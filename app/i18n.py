"""Flask-Babel: Chinese (zh_CN) by default, English on request (cookie ``lang`` set by /lang/<code>).

Message ids are the Chinese texts themselves; ``app/translations/en/LC_MESSAGES/messages.po``
holds the English. Rebuild the catalog with
``.venv/bin/pybabel compile -d app/translations``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel, gettext

from processes.messages import set_translator

LANGUAGES = {"zh_CN": "中文", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    lang = request.cookies.get(COOKIE, "")
    return lang if lang in LANGUAGES else "zh_CN"


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).resolve().parent / "translations")
    Babel(app, locale_selector=select_locale)
    set_translator(gettext)  # messages raised by the use cases read in the person's language

    @app.context_processor
    def _lang() -> dict[str, Any]:
        return {"LANGUAGES": LANGUAGES, "current_lang": select_locale()}
