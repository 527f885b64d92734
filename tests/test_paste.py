"""A bracketed paste with escapes inside reaches the field whole and in order, however the terminal
splits it into reads (Textual's own parser replays the rest as typed keys after the paste)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual._xterm_parser import XTermParser

from interview.textcheck import without_controls
from tui.paste import PasteSafeParser

PASTE = "\x1b[200~A\x1b[31mB\x1b]0;title\x07C\x1b[201~"


def events_of(parser: XTermParser, chunks: list[str]) -> list[object]:
    out: list[object] = []
    for chunk in chunks:
        out += list(parser.feed(chunk))
    return out


def typed_and_pasted(evs: list[object]) -> str:
    text = ""
    for e in evs:
        if isinstance(e, events.Paste):
            text += without_controls(e.text)[0]
        elif isinstance(e, events.Key) and e.is_printable and e.character:
            text += e.character
    return text


def test_textuals_own_parser_scrambles_the_paste() -> None:
    # The bug this module works around; if Textual fixes it, this test says so and the module can go.
    assert typed_and_pasted(events_of(XTermParser(), ["x" + PASTE + "y"])) == "x^[31mB^]0;titleCAy"


def test_the_paste_arrives_whole_and_in_order() -> None:
    evs = events_of(PasteSafeParser(), ["x" + PASTE + "y"])
    assert [type(e).__name__ for e in evs] == ["Key", "Paste", "Key"]
    assert typed_and_pasted(evs) == "xABCy"


@given(st.lists(st.integers(min_value=1, max_value=len(PASTE) + 1), min_size=1, max_size=12))
def test_however_the_reads_are_split(cuts: list[int]) -> None:
    data = "x" + PASTE + "y" + PASTE
    chunks, at = [], 0
    for n in cuts:
        chunks.append(data[at:at + n])
        at += n
    chunks.append(data[at:])
    assert typed_and_pasted(events_of(PasteSafeParser(), [c for c in chunks if c])) == "xABCyABC"
