"""First run: create a workspace (name, organisation, unit, language, passphrase) or open training."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from tui.clean import CleanInput
from tui.passphrase import MIN_LENGTH, problem
from tui.screens.base import app_of
from tui.strings import s


class WizardResult:
    def __init__(
        self,
        caseworker: str,
        organisation: str,
        unit: str,
        lang: str,
        passphrase: str | None,
        training: bool = False,
    ) -> None:
        self.caseworker, self.organisation, self.unit = caseworker, organisation, unit
        self.lang, self.passphrase, self.training = lang, passphrase, training


class Wizard(Screen[WizardResult]):
    BINDINGS = [Binding("escape", "app.quit", "Avsluta"), Binding("ctrl+s", "create", "Skapa")]

    def __init__(self, path: Path, lang: str, training_available: bool) -> None:
        super().__init__()
        self.path = path
        self.lang = lang
        self.training_available = training_available

    def compose(self) -> ComposeResult:
        lang = self.lang
        with VerticalScroll(classes="wizard"):
            yield Static(s("wizard_title", lang), classes="screen-title")
            yield Static(s("wizard_body", lang, path=self.path), markup=False)
            yield Label(s("wizard_caseworker", lang))
            yield CleanInput(id="caseworker")
            yield Label(s("wizard_organisation", lang))
            yield CleanInput(id="organisation")
            yield Label(s("wizard_unit", lang))
            yield CleanInput(id="unit")
            yield Label(s("wizard_language", lang))
            yield Select([("Svenska", "sv"), ("English", "en")], value=lang, allow_blank=False, id="lang")
            yield Label(s("wizard_passphrase", lang, n=MIN_LENGTH))
            yield CleanInput(password=True, id="pass1")
            yield Label(s("wizard_passphrase_again", lang))
            yield CleanInput(password=True, id="pass2")
            yield Checkbox(s("wizard_no_encryption", lang), id="plain")
            yield Static("", id="wizard-error", classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("wizard_create", lang), variant="primary", id="create")
                if self.training_available:
                    yield Button(s("wizard_training", lang), id="training")
        yield Footer()

    def on_mount(self) -> None:
        app_of(self).localize_bindings(self)
        self.query_one("#caseworker", Input).focus()

    def value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value.strip()

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        lang = self.lang
        plain_ws = self.query_one("#plain", Checkbox).value
        secret = self.query_one("#pass1", Input).value
        error = ""
        if not plain_ws:
            if problem(secret, lang) is not None:  # the same check as every other path
                error = s("wizard_short", lang, n=MIN_LENGTH)
            elif secret != self.query_one("#pass2", Input).value:
                error = s("wizard_mismatch", lang)
        if error:
            self.query_one("#wizard-error", Static).update(error)
            return
        chosen = self.query_one("#lang", Select).value
        self.dismiss(
            WizardResult(
                self.value("caseworker"),
                self.value("organisation"),
                self.value("unit"),
                chosen if chosen in ("sv", "en") else "sv",
                None if plain_ws else secret,
            )
        )

    @on(Button.Pressed, "#training")
    def training(self) -> None:
        self.dismiss(WizardResult("", "", "", self.lang, None, training=True))
