"""Starting the quick mode: the first question is on screen before the workspace is read.

The case question needs nothing but questionary; the workspace (pydantic, TinyDB, the index) is
opened in a thread meanwhile, and the case list reaches the completer as soon as it is there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import textwrap
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from language import describe
from tui.strings import s

if TYPE_CHECKING:
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion
    from prompt_toolkit.document import Document


def width() -> int:
    """The terminal's columns (80 when unknown), one spare so nothing touches the last column."""
    return max(30, shutil.get_terminal_size((80, 24)).columns - 1)


def wrap(text: str, indent: str = "  ") -> str:
    """Lines that fit beside questionary's two-column "? " mark, so no prompt line is ever folded
    (prompt_toolkit draws an empty screen when a one-line prompt is wider than the terminal)."""
    lines: list[str] = []
    for para in text.split("\n"):
        # Only at spaces: "ÅÅÅÅ-MM-DD" split at its hyphen cannot be read as the format to type.
        lines.extend(textwrap.wrap(para, width() - 2, subsequent_indent=indent,
                                   break_on_hyphens=False) or [""])
    return "\n".join(lines)


NBSP = "\u00a0"


def hint(text: str) -> str:
    """An instruction ("(Enter sparar · ? vägledning · Ctrl+P föregående fråga)") wrapped only between
    its parts: a part is never split over two lines ("?" / "vägledning"), and its "·" stays at the
    end of the line before. A part too long for a line of its own is wrapped at its words."""
    cols = width() - 2
    parts = [p.replace(" ", NBSP) if len(p) + 4 <= cols else p for p in text.split(" · ")]  # indent, " ·"
    lines = textwrap.wrap(f"{NBSP}· ".join(parts), cols, subsequent_indent="  ", break_on_hyphens=False)
    return "\n".join(line.replace(NBSP, " ") for line in lines)


PROMPT = 2  # the typing line's prompt, "> ", and the indent of its wrapped rows


def typing_line() -> dict[str, Any]:
    """A text prompt's keyword arguments for a typing area that wraps at words: each wrapped row
    indented as the first one after "> " (questionary passes them on to prompt_toolkit)."""
    return {"input_processors": [word_wrap()], "prompt_continuation": " " * PROMPT}


def word_wrap() -> Any:
    """A prompt_toolkit processor that wraps the typed text at word boundaries: prompt_toolkit folds
    a line at whatever character reaches the edge ("h" / "on" at 60 columns). Spaces that are only
    shown, never typed, move a word that would be cut to the next row; the cursor maps through them."""
    from bisect import bisect_right

    from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
    from prompt_toolkit.layout.utils import explode_text_fragments
    from prompt_toolkit.utils import get_cwidth

    class WordWrap(Processor):
        def apply_transformation(self, ti: TransformationInput) -> Transformation:
            chars = explode_text_fragments(ti.fragments)
            n, cols = len(chars), ti.width
            out: Any = []
            shift = [0] * (n + 1)  # how far each position of the line moves to the right
            moved, x, i = 0, PROMPT, 0
            while i < n:
                style, c = chars[i][0], chars[i][1]
                if not c.isspace() and (i == 0 or chars[i - 1][1].isspace()):
                    j, word = i, 0
                    while j < n and not chars[j][1].isspace():
                        word += get_cwidth(chars[j][1])
                        j += 1
                    if x + word > cols and x > PROMPT and word <= cols - PROMPT:
                        out.append((style, " " * (cols - x)))  # the rest of the row stays empty
                        moved += cols - x
                        x = PROMPT
                shift[i] = moved
                if c == " " and x + 1 > cols:  # a space at a full row's end: not carried to the next
                    moved -= 1
                    x, i = PROMPT, i + 1
                    continue
                width_of = get_cwidth(c)
                if x + width_of > cols:  # folded here by prompt_toolkit, as before
                    x = PROMPT
                x += width_of
                out.append(chars[i])
                i += 1
            shift[n] = moved
            shown = [k + shift[k] for k in range(n + 1)]

            def to_display(pos: int) -> int:
                return pos + shift[min(max(pos, 0), n)]

            def to_source(pos: int) -> int:
                k = bisect_right(shown, pos) - 1
                return max(k, 0) if pos <= shown[n] else n + pos - shown[n]

            return Transformation(out, source_to_display=to_display, display_to_source=to_source)

    return WordWrap()


class CaseLabels:
    """The case list the loader fills; the completer reads it. Plain, so that nothing of
    prompt_toolkit is imported before the passphrase prompt."""

    def __init__(self) -> None:
        self.labels: list[str] = []


def case_completer(cases: CaseLabels) -> Completer:
    """Completes case numbers and names once the loader has them; until then, nothing."""
    from prompt_toolkit.completion import Completer, Completion

    class CaseCompleter(Completer):
        def get_completions(
            self, document: Document, complete_event: CompleteEvent
        ) -> Iterable[Completion]:
            needle = document.text_before_cursor.casefold().strip()
            if not needle:
                return
            shown = 0
            for label in cases.labels:
                if needle in label.casefold():
                    yield Completion(label, start_position=-len(document.text_before_cursor))
                    shown += 1
                    if shown == 30:
                        return

    return CaseCompleter()


class Loader(threading.Thread):
    """Opens the workspace and lists its cases, off the prompt's thread.

    The lock is already held and, when the passphrase was typed, the codec already unlocked; with
    the passphrase from the environment the key is derived here, and a wrong one stops the first
    question at once (`stop`), before anything can be answered.
    """

    def __init__(
        self, path: Path, secret: str | None, codec: Any, lock: Any, completer: CaseLabels,
        header: dict[str, Any] | None = None, *, labels: bool = True, case_ref: str | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.path, self.secret, self.codec, self.lock = path, secret, codec, lock
        self.completer, self.header, self.labels = completer, header or {}, labels
        self.case_ref = case_ref  # `--case REF`: that one case is opened alone when it can be
        self.repo: Any = None
        self.error: BaseException | None = None
        # Set once the key derivation is over (or was not needed): argon2id's 19 MiB are then
        # given back, and the main thread may import the heavy rest without the two adding up.
        self.keyed = threading.Event()
        self.stop: Any = None  # set by the prompt: interrupts it from this thread
        self.ws: Any = None

    def open(self, case_ref: str | None) -> None:
        """The repository: the one case `case_ref` numbers, opened alone (its file, its key and its
        generation checked against the sealed record) when it can be; else the whole workspace."""
        if self.repo is not None:
            return
        if case_ref:
            from storage.single import open_one

            self.repo = open_one(self.ws, self.codec, self.lock, case_ref)
        if self.repo is None:
            from storage.tinydb_repo import TinyDBRepository

            self.repo = TinyDBRepository(self.ws, codec=self.codec, lock=self.lock)

    def run(self) -> None:
        try:
            codec = self.codec
            if codec is None and self.secret and isinstance(self.header.get("encryption"), dict):
                # The key first, before pydantic and the index are in memory: argon2id's 19 MiB then
                # come and go on a small process instead of adding to the session's peak.
                codec = _unlocked(self.path, self.header, self.secret)
            self.keyed.set()
            from storage.workspace import Workspace

            ws = Workspace.open(self.path)
            self.ws, self.codec = ws, codec if codec is not None else ws.codec(self.secret)
            if self.secret:
                from storage.maintenance import upgrade_header

                # Under the held lock an outdated header is rewrapped, with the keys just unlocked.
                upgrade_header(ws, self.secret, getattr(self.codec, "ring", None))
            if self.labels:  # only the case question completes; `--case REF` needs no list of 10,000
                from storage.single import case_labels
                from tui.visible import visible

                # Numbers and names straight from the index: the case picked is opened afterwards.
                found = case_labels(ws, self.codec)
                if found is None:
                    self.open(None)
                    found = [(c.case_ref, c.name) for c in self.repo.listing()]
                self.completer.labels = [f"{ref} – {visible(name)}" if name else ref for ref, name in found]
            else:
                self.open(self.case_ref)
        except BaseException as err:  # reported on the main thread, in the user's words
            self.error = err
            self.keyed.set()
            if self.stop is not None:
                self.stop()


class Failed(Exception):
    """The loader failed while the first question was on screen."""


def _error_lines(err: BaseException, lang: str) -> list[str]:
    from storage.crypto import WrongPassphrase
    from storage.errors import StorageError

    if isinstance(err, WrongPassphrase):
        return [s("quick_passphrase_env_wrong", lang)]
    if isinstance(err, StorageError):
        return [s("quick_unreadable", lang, why=describe(err, lang))]
    return list(getattr(err, "lines", None) or [str(err)])


def _take_lock(path: Path, lang: str) -> Any:
    """The workspace's lock before any question: a second program is told now, not after an answer."""
    from storage.errors import WorkspaceLocked
    from storage.lock import WorkspaceLock

    lock = WorkspaceLock(path / "lock")
    try:
        lock.acquire()
    except WorkspaceLocked as err:
        h = err.holder
        print(
            "uppfoljning: "
            + s("quick_locked", lang, who=f"{h.get('user', '?')}@{h.get('host', '?')}",
                pid=h.get("pid", "?"), since=h.get("since", "?")),
            file=sys.stderr,
        )
        return None
    return lock


def _unlocked(path: Path, header: dict[str, Any], secret: str) -> Any:
    """The codec, unlocked from the header already read: only the key derivation and AES are needed,
    not pydantic. One derivation per passphrase tried; a header this cannot read goes through
    Workspace.open, which names what is damaged (or opens its copy)."""
    from storage.crypto import EncryptingCodec, WrongPassphrase, unlock

    _give_back_freed_memory()
    try:
        return EncryptingCodec(unlock(header["encryption"], secret), path)
    except WrongPassphrase:
        from storage.workspace import Workspace

        Workspace.open(path).audit_log().append("failed_passphrase")  # unkeyed, as ws.codec logs it
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        from storage.workspace import Workspace

        return Workspace.open(path).codec(secret)


def _warm(resume: bool) -> None:
    """Imports what the first question needs while the passphrase is typed (a person takes seconds,
    the imports well under one): after Enter only the key, the case and the question remain."""
    with contextlib.suppress(Exception):  # only a head start: whatever fails here fails again later
        _give_back_freed_memory()
        import argon2.low_level  # noqa: F401
        import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401
        import questionary  # noqa: F401

        import storage.tinydb_repo  # noqa: F401
        import tui.quick  # noqa: F401
        from forms.loader import bundled_form

        if resume:
            bundled_form()


def _typed_passphrase(path: Path, header: dict[str, Any], lang: str, resume: bool = False) -> Any:
    """Asks for the passphrase (three tries) and returns the unlocked codec; None if it never fits.

    The prompt comes first, before anything heavy is imported: it is the first thing to answer."""
    import getpass

    from storage.crypto import WrongPassphrase

    threading.Thread(target=_warm, args=(resume,), daemon=True).start()
    for attempt in range(1, TRIES + 1):
        secret = getpass.getpass(f"{s('quick_passphrase', lang)}: ")
        try:
            return _unlocked(path, header, secret)
        except WrongPassphrase:
            if attempt < TRIES:
                print(s("quick_passphrase_wrong", lang, left=TRIES - attempt), file=sys.stderr)
    print(f"uppfoljning: {s('quick_passphrase_failed', lang, n=TRIES)}", file=sys.stderr)
    return None


TRIES = 3
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _give_back_freed_memory() -> None:
    """glibc raises its mmap threshold to the largest block freed, and argon2id frees 19 MiB: the
    index's and the case-key table's megabytes read afterwards then come from the heap and stay in
    the process (7 MiB measured). Fixing the threshold at glibc's default gives them back when freed.
    Elsewhere (no glibc) nothing is done. Called before the first derivation, off the first
    prompt's path (importing ctypes takes 10 ms)."""
    global _threshold_fixed
    if _threshold_fixed or sys.platform != "linux":
        return
    _threshold_fixed = True
    import ctypes

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 128 * 1024)


_threshold_fixed = False


def main(args: argparse.Namespace) -> int:
    lang = args.lang or "sv"
    if not sys.stdin.isatty():
        print(f"uppfoljning: {s('quick_needs_terminal', lang)}", file=sys.stderr)
        return 1
    if getattr(args, "database", None):
        return _database(args, lang)
    from storage.paths import default_workspace_dir  # light: no pydantic until used

    path = Path(args.workspace).expanduser() if args.workspace else default_workspace_dir()
    try:
        header = json.loads((path / "workspace.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        header = None
    if not isinstance(header, dict):
        lang = args.lang or "sv"
        print(f"uppfoljning: {s('err_ws_missing', lang, path=path)}", file=sys.stderr)
        return 1
    lang = args.lang or str(header.get("lang") or "sv")
    lock = _take_lock(path, lang)
    if lock is None:
        return 1
    try:
        return _started(args, path, header, lang, lock)
    finally:
        lock.release()  # the repository released it already when it was opened; this is a no-op then


def _database(args: argparse.Namespace, lang: str) -> int:
    """The quick mode on the shared database, as the logged-in login (its display name signs)."""
    from storage.errors import StorageError
    from storage.postgres.repo import PostgresRepository
    from tui.quick import run

    try:
        repo = PostgresRepository(args.database)
    except StorageError as err:
        print(f"uppfoljning: {_database_error(err, lang)}", file=sys.stderr)
        return 1
    try:
        import platformdirs

        from casework.training import pdf_folder

        pdf_dir = pdf_folder(platformdirs.user_documents_path(), repo.settings)
        return run(repo, lang, repo.display_name, args.case, pdf_dir=pdf_dir)
    except StorageError as err:
        print(f"uppfoljning: {_database_error(err, lang)}", file=sys.stderr)
        return 1
    finally:
        repo.close()


def _database_error(err: BaseException, lang: str) -> str:
    """A refusal the database names (review required, no role, no access) in its own words; only an
    error without a reason of its own (the connection failed) says the database could not be used."""
    if getattr(err, "key", None) is not None:
        return s("error", lang, message=describe(err, lang))
    return s("quick_db_unreachable", lang, why=describe(err, lang))


def _started(args: argparse.Namespace, path: Path, header: dict[str, Any], lang: str, lock: Any) -> int:
    import os

    secret, codec = None, None
    if header.get("encryption"):
        secret = os.environ.get("UPPFOLJNING_PASSPHRASE") or None
        if secret is None:
            try:
                codec = _typed_passphrase(path, header, lang, args.case is not None)
            except (KeyboardInterrupt, EOFError):
                return 0
            if codec is None:
                return 1
    completer = CaseLabels()
    loader = Loader(
        path, secret, codec, lock, completer, header, labels=args.case is None, case_ref=args.case
    )
    ref = args.case
    if ref is None:
        import asyncio

        import questionary

        question = questionary.text(
            wrap(s("quick_pick_case", lang)),
            completer=case_completer(completer),
            instruction="\n" + hint(s("quick_case_hint", lang)) + "\n>",
            **typing_line(),
        )
        app = question.application

        # Start reading once the question has been painted, so the two never compete for it.
        def start_soon() -> None:
            loop = asyncio.get_running_loop()

            def interrupt() -> None:
                # The question may have been answered meanwhile; then there is nothing to stop.
                with contextlib.suppress(Exception):
                    future = app.future
                    if app.is_running and future is not None and not future.done():
                        app.exit(exception=Failed())

            def stop() -> None:
                loop.call_soon_threadsafe(interrupt)

            loader.stop = stop
            loop.call_later(0.03, loader.start)

        app.pre_run_callables.append(start_soon)
        try:
            answer = question.unsafe_ask()
        except Failed:
            answer = None
        except (KeyboardInterrupt, EOFError):  # Ctrl-D is a pause too, never a traceback
            if loader.is_alive():
                loader.join()
            if loader.repo is not None:
                loader.repo.close()
            return 0
        loader.stop = None
        ref = None if answer is None else answer.split(" – ")[0].strip()  # a completed label is "REF – name"
    if loader.ident is None:
        loader.start()  # answered (or --case given) before the timer fired
    # Meanwhile (the key derivation in the loader lets go of the GIL) only questionary: the models
    # and the engine come once the derivation's memory is given back, so the two never add up.
    import questionary

    loader.keyed.wait()
    from tui.quick import run

    loader.join()
    if loader.error is None:
        try:
            loader.open(ref)  # the case picked at the case question (`--case`: opened already)
        except Exception as err:  # reported in the user's words, as the loader's own errors
            loader.error = err
    if loader.error is not None:
        for line in _error_lines(loader.error, lang):
            print(f"uppfoljning: {line}", file=sys.stderr)
        return 1

    repo = loader.repo
    try:
        settings = repo.workspace.settings
        from casework.documents import default_pdf_folder

        pdf_dir = default_pdf_folder(settings)
        return run(repo, lang, settings.caseworker, ref, pdf_dir=pdf_dir)
    finally:
        repo.close()
