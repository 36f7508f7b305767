"""Every text the code shows people has an English translation (``make translations``).

The message ids are extracted from the source as ``make translations`` does (templates' ``_``, the use
cases' ``t`` and ``N_``, the third argument of ``field_error``), so a text added without updating the
catalogue fails here, not in front of an English reader.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None, "N_": None, "field_error": (3,)}
METHODS = [("app/**.py", "python"), ("processes/**.py", "python"), ("app/templates/**.html", "jinja2")]


def _used() -> dict[str, str]:
    found: dict[str, str] = {}
    for sub in ("app", "processes"):
        methods = [(pattern.removeprefix(f"{sub}/"), method) for pattern, method in METHODS
                   if pattern.startswith(f"{sub}/")]
        for filename, lineno, message, _comments, _context in extract_from_dir(
                ROOT / sub, method_map=methods, keywords=KEYWORDS):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                found.setdefault(msgid, f"{sub}/{filename}:{lineno}")
    return found


def test_every_text_in_the_code_has_an_english_translation() -> None:
    with (ROOT / "app/translations/en/LC_MESSAGES/messages.po").open(encoding="utf-8") as f:
        catalogue = read_po(f)
    used = _used()
    assert len(used) > 300  # the extraction found the texts
    missing = []
    for msgid, where in sorted(used.items(), key=lambda kv: kv[1]):
        entry = catalogue.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{where}: {msgid}")
    assert not missing, "untranslated (run make translations, then translate):\n" + "\n".join(missing)


def test_translations_keep_the_placeholders() -> None:
    with (ROOT / "app/translations/en/LC_MESSAGES/messages.po").open(encoding="utf-8") as f:
        catalogue = read_po(f)
    wrong = [m.id for m in catalogue if isinstance(m.id, str) and m.id and m.string
             and set(re.findall(r"\{(\w+)\}", m.id)) != set(re.findall(r"\{(\w+)\}", str(m.string)))]
    assert not wrong, wrong


def test_the_compiled_catalogue_is_up_to_date() -> None:
    """messages.mo (what the app reads) holds the translations of messages.po."""
    from babel.messages.mofile import read_mo

    po_path = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
    with po_path.open(encoding="utf-8") as f:
        po = {m.id: m.string for m in read_po(f) if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}
    with po_path.with_suffix(".mo").open("rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if isinstance(m.id, str) and m.id}
    assert po == mo, "run make translations (pybabel compile)"
