"""Starting the quick mode: the first question is on screen before the workspace is read.

The case question needs nothing but questionary; the workspace (pydantic, TinyDB, the index) is
opened in a thread meanwhile, and the case list reaches the completer as soon as it is there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from tui.strings import s


def width() -> int:
    """The terminal's columns (80 when unknown), one spare so nothing touches the last column."""
    return max(30, shutil.get_terminal_size((80, 24)).columns - 1)


def wrap(text: str, indent: str = "  ") -> str:
    """Lines that fit beside questionary's two-column "? " mark, so no prompt line is ever folded
    (prompt_toolkit draws an empty screen when a one-line prompt is wider than the terminal)."""
    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(textwrap.wrap(para, width() - 2, subsequent_indent=indent) or [""])
    return "\n".join(lines)


class CaseCompleter(Completer):
    """Completes case numbers and names once the loader has them; until then, nothing."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        needle = document.text_before_cursor.casefold().strip()
        if not needle:
            return
        shown = 0
        for label in self.labels:
            if needle in label.casefold():
                yield Completion(label, start_position=-len(document.text_before_cursor))
                shown += 1
                if shown == 30:
                    return


class Loader(threading.Thread):
    """Opens the workspace and lists its cases, off the prompt's thread."""

    def __init__(self, path: Path, secret: str | None, completer: CaseCompleter) -> None:
        super().__init__(daemon=True)
        self.path, self.secret, self.completer = path, secret, completer
        self.repo: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            from storage.maintenance import open_repository
            from tui.visible import visible

            self.repo = open_repository(self.path, passphrase=lambda: self.secret, writable=True)
            self.completer.labels = [
                f"{c.case_ref} – {visible(c.name)}" if c.name else c.case_ref for c in self.repo.listing()
            ]
        except BaseException as err:  # reported on the main thread, in the user's words
            self.error = err


def main(args: argparse.Namespace) -> int:
    lang = args.lang or "sv"
    if not sys.stdin.isatty():
        print(f"uppfoljning: {s('quick_needs_terminal', lang)}", file=sys.stderr)
        return 1
    from storage.paths import default_workspace_dir  # light: no pydantic until used

    path = Path(args.workspace).expanduser() if args.workspace else default_workspace_dir()
    try:
        header = json.loads((path / "workspace.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        header = None
    if not isinstance(header, dict):
        print(
            f"uppfoljning: there is no workspace in {path}; create one with 'uppfoljning init'",
            file=sys.stderr,
        )
        return 1
    lang = args.lang or str(header.get("lang") or "sv")
    secret = None
    if header.get("encryption"):
        from tui import passphrase
        from tui.errors import UserError

        try:
            secret = passphrase.existing(lang)
        except UserError as err:
            print(f"uppfoljning: {err}", file=sys.stderr)
            return 1
    completer = CaseCompleter()
    loader = Loader(path, secret, completer)
    ref = args.case
    if ref is None:
        import asyncio

        import questionary

        question = questionary.text(
            wrap(s("quick_pick_case", lang)),
            completer=completer,
            instruction="\n" + wrap(s("quick_plain_hint", lang)) + "\n>",
        )

        # Start reading once the question has been painted, so the two never compete for it.
        def start_soon() -> None:
            asyncio.get_running_loop().call_later(0.03, loader.start)

        question.application.pre_run_callables.append(start_soon)
        try:
            answer = question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):  # Ctrl-D is a pause too, never a traceback
            if loader.is_alive():
                loader.join()
            if loader.repo is not None:
                loader.repo.close()
            return 0
        ref = answer.split(" – ")[0].strip()  # a completed label is "REF – name"
    if not loader.is_alive() and loader.repo is None and loader.error is None:
        loader.start()  # answered (or --case given) before the timer fired
    loader.join()
    if loader.error is not None:
        lines = getattr(loader.error, "lines", None) or [str(loader.error)]
        for line in lines:
            print(f"uppfoljning: {line}", file=sys.stderr)
        return 1
    from tui.quick import run

    repo = loader.repo
    try:
        settings = repo.workspace.settings
        import platformdirs

        from casework.training import pdf_folder

        pdf_dir = pdf_folder(platformdirs.user_documents_path(), settings)
        return run(repo, lang, settings.caseworker, ref, pdf_dir=pdf_dir)
    finally:
        repo.close()
