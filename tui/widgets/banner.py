"""The banner atop every screen: its parts (title, organisation, training, warnings) fitted to the width."""

from __future__ import annotations

from textual import events
from textual.widgets import Static

from tui.visible import one_line

SEP = "  ·  "


def lay_out(parts: list[str], width: int) -> str:
    """The parts joined by SEP, a new line wherever the next would not fit in `width` cells; a part
    is never split (a line break inside "ÖVNING – fiktiva uppgifter" would hide what it says)."""
    from rich.cells import cell_len

    lines: list[str] = []
    for part in parts:
        if lines and cell_len(lines[-1] + SEP + part) <= width:
            lines[-1] += SEP + part
        else:
            lines.append(part)
    return "\n".join(lines)


class Banner(Static):
    """The banner: as many lines as the width needs, so the training marking and the warnings are
    always on screen in full (at 80 columns they were cut off the end of one line)."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = [one_line(p) for p in parts]  # organisation, unit and holder come from files
        super().__init__(SEP.join(self.parts), id="banner", markup=False)

    def show(self, parts: list[str]) -> None:
        self.parts = [one_line(p) for p in parts]
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.content_size.width
        text = lay_out(self.parts, width) if width > 0 else SEP.join(self.parts)
        if text != str(self.render()):
            self.update(text)
