"""The banner atop every screen: its parts (title, organisation, training, warnings) fitted to the width."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.widgets import Static

from tui.visible import one_line

SEP = "  ·  "
BannerPart = tuple[str, bool]  # its text, and whether a narrow screen may leave it out


def lay_out(parts: Sequence[BannerPart], width: int) -> str:
    """The parts on one line when they fit; else without those that may be left out (the
    organisation), on one line when that fits, else a new line wherever the next would not fit. A
    part is never split: a line break inside "ÖVNING – fiktiva uppgifter" would hide what it says."""
    every = [text for text, _ in parts]
    if cell_len(SEP.join(every)) <= width:
        return SEP.join(every)
    lines: list[str] = []
    for text in (text for text, spare in parts if not spare):
        if lines and cell_len(lines[-1] + SEP + text) <= width:
            lines[-1] += SEP + text
        else:
            lines.append(text)
    return "\n".join(lines)


class Banner(Static):
    """The banner, laid out again when its width changes, so the training marking and the warnings
    are always on screen in full (at 80 columns they were cut off the end of one line)."""

    def __init__(self, parts: Sequence[BannerPart]) -> None:
        self.parts = self._clean(parts)
        super().__init__(SEP.join(text for text, _ in self.parts), id="banner", markup=False)

    @staticmethod
    def _clean(parts: Sequence[BannerPart]) -> list[BannerPart]:
        return [(one_line(text), spare) for text, spare in parts]  # never a line break of its own

    def show(self, parts: Sequence[BannerPart]) -> None:
        self.parts = self._clean(parts)
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.content_size.width
        text = lay_out(self.parts, width) if width > 0 else SEP.join(t for t, _ in self.parts)
        if text != str(self.render()):
            self.update(text)
