"""The follow-up document's texts: a thin wrapper over the gettext catalogues in language/."""

from __future__ import annotations

from typing import Any

from language import text


def t(key: str, lang: str, **kwargs: Any) -> str:
    """The document's message `key` in `lang` (context "document" where a key has two meanings)."""
    return text(key, lang, "document", **kwargs)


def direction(scale: str, lang: str) -> str:
    """Which way a goal's scale counts ("ICF 0–4, lägre är bättre"); nothing for a goal without a scale."""
    return "" if scale == "none" else t(f"direction_{scale}", lang)
