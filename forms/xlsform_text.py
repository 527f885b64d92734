"""What XLSForm import and export say about a workbook's problems: a thin wrapper over the gettext
catalogues in language/ (context "xlsform")."""

from __future__ import annotations

from typing import Any

from language import text


def say(key: str, lang: str, **kwargs: Any) -> str:
    """The XLSForm message `key` in `lang`."""
    return text(key, lang, "xlsform", **kwargs)
