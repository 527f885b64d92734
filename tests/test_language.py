"""The gettext catalogues: complete in both languages, compiled as shipped, and naming every key the code uses."""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import language
from language.catalogue import catalogues, compiled, mo_path, po_path

ROOT = Path(__file__).resolve().parents[1]
WRAPPERS = {"s": "app", "t": None, "msg": "engine", "plural": None, "say": "xlsform"}  # t: by module


def catalogue(lang: str) -> Catalog:
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def entries(lang: str) -> dict[tuple[str | None, str], tuple[str, ...]]:
    out: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for m in catalogue(lang):
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple | list) else m.id
        raw = m.string if isinstance(m.string, tuple | list) else (m.string,)
        out[(m.context, key)] = tuple(str(x or "") for x in raw)
    return out


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_every_message_is_translated_in_both_languages_with_the_same_placeholders() -> None:
    sv, en = entries("sv"), entries("en")
    assert len(sv) > 350
    assert set(sv) == set(en), set(sv) ^ set(en)
    problems = []
    for key, sv_texts in sv.items():
        for lang, texts in (("sv", sv_texts), ("en", en[key])):
            if not all(t.strip() for t in texts):
                problems.append(f"{key} has an empty {lang} text")
        # a plural's singular may leave out {n} ("ett ärende"), so each language's forms are taken together
        union_sv = set().union(*(placeholders(t) for t in sv_texts))
        union_en = set().union(*(placeholders(t) for t in en[key]))
        if union_sv != union_en:
            problems.append(f"{key}: sv {sorted(union_sv)} en {sorted(union_en)}")
    assert problems == []


def test_the_comparison_of_placeholders_catches_a_dropped_one() -> None:
    assert placeholders("{n} uppföljningar i {path}") != placeholders("{n} follow-ups")


def test_no_message_is_marked_fuzzy_so_none_is_silently_left_out_of_the_mo() -> None:
    for lang in language.LANGUAGES:
        assert [m.id for m in catalogue(lang) if m.id and m.fuzzy] == []


@pytest.mark.parametrize(("domain", "lang"), catalogues())
def test_the_shipped_mo_is_a_fresh_compile_of_the_po(domain: str, lang: str) -> None:
    assert mo_path(lang, domain).read_bytes() == compiled(lang, domain), (
        f"{mo_path(lang, domain)} is stale: run python -m language.catalogue")


def test_a_changed_po_gives_a_different_mo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drift test can fail: one edited msgstr changes the compiled bytes."""
    shipped = mo_path("sv").read_bytes()
    locale = tmp_path / "sv" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    text = po_path("sv").read_text(encoding="utf-8").replace('msgstr "Avsluta"', 'msgstr "Sluta"', 1)
    (locale / "uppfoljning.po").write_text(text, encoding="utf-8")
    monkeypatch.setattr("language.catalogue.LOCALE_DIR", tmp_path)
    assert compiled("sv") != shipped


def test_an_unknown_key_fails_loudly_instead_of_showing_the_key() -> None:
    with pytest.raises(KeyError):
        language.text("no_such_key", "sv")
    with pytest.raises(KeyError):
        language.plural("no_such_key", 2, "en")


def test_a_context_picks_its_own_meaning_and_others_share_one_entry() -> None:
    assert language.text("history", "sv", "document") == "Nivåer över tid"
    assert language.text("history", "sv", "app") == "Uppföljningar"
    assert language.text("col_case", "en", "cli") == language.text("col_case", "en", "app") == "Case"
    assert language.text("quit", "xx") == language.text("quit", "sv")  # unknown language: Swedish


def _literal_keys(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    return []


def used_keys() -> list[tuple[str, str, str | None]]:
    """(where, key, context) for every wrapper call whose key is written out in the source."""
    out = []
    for package in ("tui", "interview", "documents", "casework", "reporting", "forms"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in WRAPPERS and node.args):
                    continue
                ctx = WRAPPERS[node.func.id]
                if node.func.id == "t":
                    ctx = ("report" if rel.startswith("documents/report") else
                           "document" if rel.startswith("documents/") else "cli")
                out += [(f"{rel}:{node.lineno}", key, ctx) for key in _literal_keys(node.args[0])]
    return out


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    sv = entries("sv")
    used = used_keys()
    assert len(used) > 300
    missing = [f"{where}: {key}" for where, key, ctx in used if (ctx, key) not in sv and (None, key) not in sv]
    assert missing == []


def test_pybabel_extract_runs_with_the_projects_configuration(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml",
                    "-o", str(pot), "--no-wrap", "--omit-header", "."], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as fh:
        ids = {m.id for m in read_po(fh)}
    assert {"no_cases", "written", "required", "draft"} <= ids


def test_counts_agree_with_their_noun_and_no_text_hedges_with_a_parenthesised_ending() -> None:
    assert language.plural("n_followups", 1, "sv") == "1 uppföljning"
    assert language.plural("n_followups", 2, "sv") == "2 uppföljningar"
    assert language.plural("n_followups", 0, "en") == "0 follow-ups"
    assert language.plural("has_addenda", 1, "sv").startswith("Efter signeringen har en rättelse")
    hedges = re.compile(r"\w\((ar|er|or|en|n|r|s|e|a)\)")
    found = [f"{lang} {key}: {t}" for lang in language.LANGUAGES for key, texts in entries(lang).items()
             for t in texts if hedges.search(t)]
    assert found == []
    assert hedges.search("uppföljning(ar)") and hedges.search("file(s)")
