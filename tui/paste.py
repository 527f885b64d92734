"""Keeps a bracketed paste whole: Textual 8's parser ends a paste at the first ESC inside it and
replays the rest as typed keys after it ('A<ESC>[31mB' arrives as the keys '^[31mB' and then the
paste 'A'). This parser hands the paste's own escapes on as C1 characters, so the whole text reaches
the field in one Paste event, where tui/clean.py removes them with a notice."""

from __future__ import annotations

import re
from collections.abc import Iterable

from textual._xterm_parser import XTermParser
from textual.message import Message

# ESC [ and ESC ] become their one-character C1 forms (CSI, OSC), which Textual's parser passes
# through inside a paste and the core's rule recognises as whole sequences; any other ESC becomes CSI.
_ESCAPES = re.compile(r"\x1b([\[\]])?")


def _as_c1(text: str) -> str:
    return _ESCAPES.sub(lambda m: "\x9d" if m.group(1) == "]" else "\x9b", text)

START, END = "\x1b[200~", "\x1b[201~"


def _held(text: str) -> int:
    """How many trailing characters could be the start of the paste's end marker."""
    for n in range(min(len(END) - 1, len(text)), 0, -1):
        if END.startswith(text[-n:]):
            return n
    return 0


class PasteSafeParser(XTermParser):
    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._in_paste = False
        self._tail = ""  # the end of what came outside a paste, to find a start marker split in two
        self._carry = ""  # inside a paste: what may be the start of its end marker

    def feed(self, data: str) -> Iterable[Message]:
        shielded = self.shield(data)
        if data and not shielded:
            return []  # all of it held back for the next read: an empty feed would mean end of input
        return super().feed(shielded)

    def shield(self, data: str) -> str:
        out: list[str] = []
        text = data
        while text:
            if not self._in_paste:
                combined = self._tail + text
                found = combined.find(START)
                if found < 0:
                    out.append(text)
                    self._tail = combined[-(len(START) - 1):]
                    break
                cut = found + len(START) - len(self._tail)
                out.append(text[:cut])
                text, self._tail, self._in_paste = text[cut:], "", True
            else:
                text, self._carry = self._carry + text, ""
                found = text.find(END)
                if found < 0:
                    hold = _held(text)
                    body, self._carry = text[: len(text) - hold], text[len(text) - hold:]
                    out.append(_as_c1(body))
                    break
                out.append(_as_c1(text[:found]) + END)
                text, self._in_paste = text[found + len(END):], False
        return "".join(out)


def install() -> None:
    """Use the paste-safe parser for the app's terminal input (the Linux and macOS driver)."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # pragma: no cover - Windows has its own driver and no such parser
        return
    # Textual's driver module imports XTermParser without re-exporting it; replacing that name is the
    # only way to hand its driver another parser, so mypy is told this one attribute exists.
    linux_driver.XTermParser = PasteSafeParser  # type: ignore[attr-defined,misc,unused-ignore]
