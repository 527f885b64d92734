"""A footer that redraws its keys only when the keys it shows have changed."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """Textual's Footer removes and remounts every key whenever the screen's bindings *may* have
    changed: each focus change, each reactive with bindings=True. In the interview that is several
    times an answer, each costing more than the answer's own work and delaying the next question's
    frame. This one coalesces the requests made before the next refresh into one, and skips it when
    the keys, their labels and their enabled state are what is already on screen."""

    _shown: tuple[Any, ...] | None = None
    _pending = False

    def _signature(self) -> tuple[Any, ...]:
        app = self.app
        return tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, enabled,
             tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._signature()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()
