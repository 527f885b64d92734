"""Control characters made visible, so stored text can never drive a terminal (no UI imports)."""

from __future__ import annotations

import re

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
# C1 controls (U+0080–U+009F) have no pictures; 0x9B alone starts a CSI sequence on many terminals.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # and Unicode's line and paragraph separators


def _shown(m: re.Match[str]) -> str:
    code = ord(m.group())
    return _PICTURES.get(code) or f"<U+{code:04X}>"  # C1, U+2028 and U+2029 have no pictures


def visible(text: str) -> str:
    """Control characters as their Unicode pictures (ESC → ␛, C1 as <U+009B>), tabs and newlines kept."""
    return _CONTROLS.sub(lambda m: m.group() if m.group() in "\n\t" else _shown(m), text)


def one_line(text: str) -> str:
    """Every control character visible, line breaks and tabs too: a value echoed inside one line of
    output can then neither drive the terminal nor forge a line of its own."""
    return _BREAKS.sub(_shown, text)
