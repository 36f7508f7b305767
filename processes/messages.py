"""Messages people read: a stable code for programs, a text for people.

Texts are written in Chinese (the message ids of the translation catalogue) with ``{name}``
placeholders, and pass through :func:`t` when an error is raised. The web app installs Flask-Babel's
``gettext`` as the translator (``set_translator``), so a person who chose English reads English;
outside a request (scheduler, command line) the Chinese text is used. Nothing ever matches on the
text of a message: programs read the ``code``.

``pybabel extract`` finds the texts through the keywords ``t``, ``N_`` and ``field_error`` (its third
argument): ``make translations``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_translate: Callable[[str], str] = str


def set_translator(fn: Callable[[str], str]) -> None:
    global _translate
    _translate = fn


def t(template: str, **params: Any) -> str:
    """The template in the reader's language, with ``params`` filled in."""
    try:
        text = _translate(template)
    except RuntimeError:  # no application context: the Chinese original
        text = template
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):  # a translation with other placeholders
        return template.format(**params)


def N_(template: str) -> str:  # noqa: N802 - the usual name of the marker
    """Marks a text kept in a table (a permission, a role name) for the catalogue; it is translated
    with ``t(value)`` where it is shown."""
    return template


def field_error(field: str, code: str, template: str, **params: Any) -> dict[str, Any]:
    """One error of a form, naming the field (``survey_samples[3].phone`` for a table cell)."""
    return {"field": field, "code": code, "message": t(template, **params)}
