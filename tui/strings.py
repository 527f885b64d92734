"""The app's texts: a thin wrapper over the gettext catalogues in language/ (the keys are the message ids)."""

from __future__ import annotations

from typing import Any

from language import text


def s(key: str, lang: str, **kwargs: Any) -> str:
    """The app's message `key` in `lang` (language/locale/*/LC_MESSAGES/uppfoljning.po, context "app")."""
    return text(key, lang, "app", **kwargs)
