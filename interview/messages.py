"""The engine's and model's messages in Swedish and English, and translation of validation errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from language import text


def msg(key: str, lang: str, **kwargs: Any) -> str:
    """The message `key` in `lang` (sv default), with its placeholders filled."""
    return text(key, lang, "engine", **kwargs)


def template(key: str) -> str:
    """The English text of `key` with its placeholders unfilled (pydantic's own error message)."""
    return text(key, "en", "engine")


def known(key: str) -> bool:
    """Whether the catalogue has a message for `key` (pydantic's error types that we translate)."""
    try:
        text(key, "en", "engine")
    except KeyError:
        return False
    return True


def _loc(loc: Iterable[int | str]) -> str:
    out: list[str] = []
    for part in loc:
        out.append(f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part))
    return "".join(out)


def validation_lines(err: ValidationError, lang: str, prefix: str = "") -> list[str]:
    """One `path: message` line per pydantic error, translated where the catalogue knows the error."""
    lines: list[str] = []
    for e in err.errors():
        loc = _loc(e["loc"])
        path = prefix + loc if loc.startswith("[") else ".".join(p for p in (prefix, loc) if p)
        kind = e["type"]
        ctx = dict(e.get("ctx") or {})
        if kind == "extra_forbidden":
            text = msg("unknown_key", lang)
        elif kind == "missing":
            text = msg("missing", lang)
        elif known(kind):
            text = msg(kind, lang, **ctx)
        else:
            text = e["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {text}" if path else text)
    return lines
