"""The command line's texts: a thin wrapper over the gettext catalogues in language/."""

from __future__ import annotations

from typing import Any

from language import text


def t(key: str, lang: str, **kwargs: Any) -> str:
    """The command line's message `key` in `lang` (context "cli" where a key has two meanings)."""
    return text(key, lang, "cli", **kwargs)
