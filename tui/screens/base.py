"""What every screen of the app shares: typed access to the app that holds the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import UppfoljningApp


class AppScreen(Screen[None]):
    @property
    def uapp(self) -> UppfoljningApp:
        return self.app  # type: ignore[return-value]
