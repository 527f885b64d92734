"""The one language layer: every user-facing text looked up by key in gettext catalogues (sv default, en)."""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "uppfoljning"
LANGUAGES = ("sv", "en")
DEFAULT = "sv"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def normalise(lang: str | None) -> str:
    """The language to show: a known one as given, anything else Swedish (the caseworker's language)."""
    return lang if lang is not None and lang in LANGUAGES else DEFAULT


@cache
def translation(lang: str) -> _gettext.GNUTranslations:
    """The compiled catalogue of `lang` (read once per process)."""
    path = LOCALE_DIR / normalise(lang) / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def _fill(template: str, kwargs: dict[str, Any]) -> str:
    return template.format(**kwargs) if kwargs else template


def text(key: str, lang: str, context: str | None = None, **kwargs: Any) -> str:
    """The message `key` in `lang` with its placeholders filled.

    `context` names the part of the program asking; a key with a context-specific entry (one key, two
    meanings) gets that one, every other key the shared entry. An unknown key raises KeyError, so a typo
    fails the tests instead of showing the key to a caseworker."""
    tr = translation(lang)
    if context is not None:
        found = tr.pgettext(context, key)
        # gettext returns the very msgid object it was given when there is no entry
        if found is not key:
            return _fill(found, kwargs)
    found = tr.gettext(key)
    if found is key:
        raise KeyError(key)
    return _fill(found, kwargs)


def plural(key: str, n: int, lang: str, **kwargs: Any) -> str:
    """The message `key` in the grammatical number that fits `n` ("1 uppföljning", "2 uppföljningar");
    `{n}` in the text is the count."""
    found = translation(lang).ngettext(key, key, n)
    if found is key:
        raise KeyError(key)
    return found.format(n=n, **kwargs)


@cache
def argparse_translation(lang: str) -> _gettext.NullTranslations:
    """argparse's own words ("usage:", "error:", "invalid choice") in `lang`; English is argparse's own."""
    if normalise(lang) == "en":
        return _gettext.NullTranslations()
    with (LOCALE_DIR / normalise(lang) / "LC_MESSAGES" / "argparse.mo").open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def describe(err: BaseException, lang: str) -> str:
    """An error's one line in `lang`: the catalogue's message when the error names one (`key` and
    `params`, as storage errors do), the operating system's reason in words for common OSErrors (the C
    library speaks the machine's locale, usually English), else the error's own text."""
    if isinstance(err, OSError) and err.errno is not None:
        import errno as _errno

        name = _errno.errorcode.get(err.errno)
        try:
            return text(f"os_{name}", lang)
        except KeyError:
            return err.strerror or str(err)
    key = getattr(err, "key", None)
    if isinstance(key, str):
        try:
            return text(key, lang, **dict(getattr(err, "params", None) or {}))
        except (KeyError, IndexError, ValueError):
            return str(err)  # a key this version does not know: the error's own (English) line says it
    return str(err)


def pgettext(context: str, message: str, lang: str) -> str:
    """`message` as written in the source (a key's Swedish description in the app, Textual's English
    ones) in `lang`; the message itself where the catalogue has none, as gettext does."""
    return translation(lang).pgettext(context, message)
