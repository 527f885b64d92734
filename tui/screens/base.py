"""What every screen of the app shares: typed access to the app that holds the workspace."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual.binding import ActiveBinding
from textual.screen import Screen

from language import pgettext

if TYPE_CHECKING:
    from tui.app import UppfoljningApp


class TranslatedBindings:
    """A screen whose footer, help and command palette show each key's description in the app's
    language. Bindings are declared once, with the description as written in the source; Textual's
    public `active_bindings` (what the footer, the palette and the help screen read) is where they
    are translated, through the catalogue's "binding" context."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        lang = getattr(self.app, "lang", "sv")  # type: ignore[attr-defined]
        out: dict[str, ActiveBinding] = {}
        for key, item in active.items():
            described = item.binding.description
            if described:
                binding = dataclasses.replace(item.binding, description=pgettext("binding", described, lang))
                item = item._replace(binding=binding)
            out[key] = item
        return out


class AppScreen(TranslatedBindings, Screen[None]):
    @property
    def uapp(self) -> UppfoljningApp:
        return self.app  # type: ignore[return-value]
