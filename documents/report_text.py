"""The group report's texts: a thin wrapper over the gettext catalogues in language/ (context "report")."""

from __future__ import annotations

from typing import Any

from language import text


def t(key: str, lang: str, **kwargs: Any) -> str:
    """The report's message `key` in `lang` (language/locale/*/LC_MESSAGES/uppfoljning.po)."""
    return text(key, lang, "report", **kwargs)
