"""One-off: write language/locale/{sv,en}/LC_MESSAGES/uppfoljning.po from the four old dict catalogues.

Run once at the switch (git history has the dicts), and again after a merge brought new keys into one of the
old dicts: keys already in the .po files are kept as they are, only missing keys are appended.

    python tools/dicts_to_po.py            # reads tui.strings SV/EN, tui.text CLI, documents.text TEXT,
                                           # interview.messages MESSAGES if they still exist
    git show other:tui/strings.py > /tmp/strings.py
    python tools/dicts_to_po.py app=/tmp/strings.py && python -m language.catalogue
                                           # adopts the keys a branch appended to the old dicts
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "language" / "locale"
LANGS = ("sv", "en")
# (context, module, attribute): the context names the old catalogue; it is written to the .po only for keys
# whose text differs between two catalogues (one key, two meanings).
SOURCES = [
    ("app", "tui.strings", "SV/EN"),
    ("cli", "tui.text", "CLI"),
    ("document", "documents.text", "TEXT"),
    ("engine", "interview.messages", "MESSAGES"),
    ("report", "documents.report_text", "TEXT"),
    ("xlsform", "forms.xlsform_text", "TEXT"),
]
# catalogues added after the switch keep their context on every entry (their keys are short and generic)
ALWAYS_CONTEXT = {"report", "xlsform"}
ORIGIN = {"app": "tui/strings.py", "cli": "tui/text.py", "document": "documents/text.py",
          "engine": "interview/messages.py", "report": "documents/report_text.py",
          "xlsform": "forms/xlsform_text.py"}


HEADER = {
    "sv": "# Svenska texter för uppfoljning: msgid är meddelandets nyckel, msgstr det som visas.\n"
    "# Ändra här, kompilera .mo (se language/catalogue.py) och kör testerna.",
    "en": "# English texts of uppfoljning: msgid is the message's key, msgstr what is shown.\n"
    "# Edit here, compile the .mo (see language/catalogue.py) and run the tests.",
}


def load(module: str, attribute: str, path: str | None = None) -> dict[str, dict[str, str]]:
    try:
        if path is None:
            mod = importlib.import_module(module)
        else:
            spec = importlib.util.spec_from_file_location(f"old_{module.replace('.', '_')}", path)
            if spec is None or spec.loader is None:
                raise ImportError(path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
    except ImportError:
        return {}
    if attribute == "SV/EN":
        sv, en = getattr(mod, "SV", {}), getattr(mod, "EN", {})
        return {k: {"sv": sv[k], "en": en.get(k, sv[k])} for k in sv}
    return {k: dict(v) for k, v in getattr(mod, attribute, {}).items()}


def entries(files: dict[str, str]) -> list[tuple[str | None, str, dict[str, str], str]]:
    """(context or None, key, texts, origin) with identical duplicates merged into one context-free entry."""
    loaded = [(ctx, load(mod, attr, files.get(ctx))) for ctx, mod, attr in SOURCES]
    seen: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for ctx, table in loaded:
        for key, texts in table.items():
            seen.setdefault(key, []).append((ctx, texts))
    out: list[tuple[str | None, str, dict[str, str], str]] = []
    for key, found in seen.items():
        variants = {(t["sv"], t["en"]) for _, t in found}
        if len(variants) == 1 and not {c for c, _ in found} & ALWAYS_CONTEXT:
            _, texts = found[0]
            out.append((None, key, texts, ", ".join(ORIGIN[c] for c, _ in found)))
        else:
            out += [(ctx, key, texts, ORIGIN[ctx]) for ctx, texts in found]
    return out


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "uppfoljning.po"


def main() -> None:
    files = dict(arg.split("=", 1) for arg in sys.argv[1:])
    found = entries(files)
    for lang in LANGS:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog: Any = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, domain="uppfoljning", project="uppfoljning", version="1",
                              header_comment=HEADER[lang], fuzzy=False, charset="utf-8",
                              last_translator="uppfoljning", language_team=lang)
        added = 0
        have = {m.id for m in catalog}
        for ctx, key, texts, origin in found:
            # a key already present is kept (in any context, or in its own for the later catalogues);
            # an empty text is "untranslated" to gettext
            present = catalog.get(key, context=ctx) is not None if ctx in ALWAYS_CONTEXT else key in have
            if present or not texts[lang]:
                continue
            flags = ["python-brace-format"] if "{" in texts[lang] else []
            catalog.add(key, texts[lang], context=ctx, flags=flags, auto_comments=[f"from {origin}"])
            added += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=110, omit_header=False)
        print(f"{path.relative_to(ROOT)}: {added} messages added, {len(catalog)} in all")


if __name__ == "__main__":
    main()
