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


def _plain(value: object, lang: str) -> str:
    """A value from pydantic's error context as a person reads it ("'a' or 'b'" becomes "a eller b")."""
    if isinstance(value, str) and " or " in value:
        from language.format import join

        options = [o.strip().strip("'") for o in value.replace(", ", " or ").split(" or ")]
        return join(options, lang).replace(" och ", " eller ").replace(" and ", " or ")
    return str(value)


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
        elif kind == "string_too_short" and ctx.get("min_length") == 1:
            text = msg("pyd_string_empty", lang)
        elif known(f"pyd_{kind}"):
            # pydantic's own wording is English only: its error types have catalogue entries
            text = msg(f"pyd_{kind}", lang, **{k: _plain(v, lang) for k, v in ctx.items()})
        elif kind == "value_error":
            text = e["msg"].removeprefix("Value error, ")  # our validators' own (translated) words
        else:
            text = msg("pyd_invalid", lang) if lang != "en" else e["msg"]
        lines.append(f"{path}: {text}" if path else text)
    return lines
