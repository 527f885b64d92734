"""The training workspace's rules: build and reset it safely, and mark everything that leaves it."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from forms.training_data import TRAINING_BANNER, practice_files
from interview.case import Case
from interview.casefile import CaseFile, load_text, parse_casefile
from storage.atomic import fsync_dir
from storage.errors import StorageError, WorkspaceLocked
from storage.lock import WorkspaceLock
from storage.repository import Repository
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import HEADER_NAME, Workspace, WorkspaceSettings

BANNER = TRAINING_BANNER

# What a training workspace consists of (storage/workspace.py, tinydb_repo.py, audit.py,
# maintenance.py). A reset deletes only these, and refuses when anything else is present: a file
# someone put there by mistake may be the only copy of real work.
_TOP_FILES = re.compile(
    r"(index\.json|manifest\.json|workspace\.keys\.json|lock|audit\.jsonl(\.[A-Za-z0-9_.-]+)?|\..+\.tmp)"
)
_TOP_DIRS = {"cases": re.compile(r"([A-Za-z0-9_-]+\.json(\.prev)?|\..+\.tmp)"),
             "damaged": re.compile(r"[A-Za-z0-9_-]+\.json\.[0-9T]+")}  # fmt: skip


class TrainingRefused(StorageError):
    """The training workspace would touch something that is not (only) training; nothing changed.

    `reason` names the case for the front end's message catalogue: not_training (a real or
    unreadable workspace), not_empty (a folder without a training header that holds something),
    unknown_entry (an extra file in the training workspace, named by `detail`), open (another
    program holds the workspace, `detail` says who), exists (build onto a training workspace)."""

    def __init__(self, reason: str, path: Path, detail: str = "") -> None:
        english = {
            "not_training": f"{path} is not a training workspace; it was left as it is",
            "not_empty": f"{path} is not empty and not a training workspace; it was left as it is",
            "exists": f"there is already a training workspace in {path}",
            "unknown_entry": f"{path} holds {detail}, which is not part of a training workspace; "
            "move it away first (nothing was deleted)",
            "open": f"the training workspace {path} is open in another program ({detail}); "
            "close it there first (nothing was deleted)",
        }
        super().__init__(english[reason])
        self.reason, self.path, self.detail = reason, path, detail


def is_training(path: Path) -> bool:
    """Whether the folder's header marks it a training workspace (training: true)."""
    try:
        data = json.loads((path / HEADER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("training") is True


def _fill(path: Path, lang: str) -> int:
    """Create the training workspace in the (new, empty) folder; returns the number of follow-ups."""
    settings = WorkspaceSettings(
        organisation="Övningskommunen",
        unit="Övningsenheten",
        caseworker="Övningshandläggare",
        lang="en" if lang == "en" else "sv",
        training=True,
    )
    ws = Workspace.create(path, settings)  # fictitious data only: no passphrase to remember
    repo = TinyDBRepository(ws)
    try:
        return seed(repo, lang)
    finally:
        repo.close()


def seed(repo: Repository, lang: str = "sv", unit: str | None = None) -> int:
    """Put the fictitious practice cases into `repo` (in `unit` when named: a shared database's
    training unit); returns the follow-ups added. Cases already there are left as they are, so seeding
    again adds nothing."""
    count = 0
    cases = [repo.get_case(c).client for c in repo.case_ids()]
    present = {c.case_ref for c in cases if unit is None or c.unit == unit}
    for _name, text in practice_files():
        # The practice dates lie in the past of the day they were written; they stay valid later.
        cf = parse_casefile(load_text(text), lang=lang)
        client = cf.client if unit is None else cf.client.model_copy(update={"unit": unit})
        if client.case_ref in present:
            continue
        case = repo.find_case(client.case_ref)
        if case is None:
            case = Case(client=client, plan=cf.plan)
            repo.add_case(case, [cf.followup.model_copy(update={"case_id": case.id})])
        else:
            repo.add_followup(cf.followup.model_copy(update={"case_id": case.id}))
        count += 1
    return count


@contextlib.contextmanager
def _scratch(beside: Path) -> Iterator[Path]:
    """A fresh folder next to `beside` (same file system, so its entries can be renamed across)."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{beside.name}.training-", dir=beside.parent))
    try:
        yield scratch / "ws"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # our own scratch folder, never the user's


def build(path: Path, lang: str = "sv") -> int:
    """Create the training workspace in a missing or empty folder; returns the number of follow-ups.

    It is built aside and renamed into place, which only succeeds onto a missing or empty folder:
    a folder that holds anything is never written into."""
    if is_training(path):
        raise TrainingRefused("exists", path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise TrainingRefused("not_training" if (path / HEADER_NAME).exists() else "not_empty", path)
    with _scratch(path) as new:
        count = _fill(new, lang)
        try:
            if path.exists():
                path.rmdir()  # fails unless still empty; rename onto a folder is not portable
            new.rename(path)
        except OSError:
            raise TrainingRefused("not_empty", path) from None
    return count


def ensure(path: Path, lang: str = "sv") -> None:
    """Open-or-create for `uppfoljning training`: a training workspace, or a new one in an empty folder."""
    if (path / HEADER_NAME).exists():
        if not is_training(path):
            raise TrainingRefused("not_training", path)
        return
    try:
        build(path, lang)
    except TrainingRefused:
        if not is_training(path):  # another process may just have built it
            raise


def _contents(path: Path) -> list[Path]:
    """Every entry of the training workspace except its header and lock, deepest first;
    TrainingRefused naming the first entry that is not part of the known layout."""
    found: list[Path] = []
    for entry in sorted(path.iterdir()):
        name = entry.name
        if name in (HEADER_NAME, "lock") and entry.is_file() and not entry.is_symlink():
            continue
        if entry.is_symlink():
            raise TrainingRefused("unknown_entry", path, name)
        if entry.is_dir() and name in _TOP_DIRS:
            for inner in sorted(entry.iterdir()):
                if inner.is_symlink() or not inner.is_file() or not _TOP_DIRS[name].fullmatch(inner.name):
                    raise TrainingRefused("unknown_entry", path, f"{name}/{inner.name}")
                found.append(inner)
            found.append(entry)
        elif entry.is_file() and _TOP_FILES.fullmatch(name):
            found.append(entry)
        else:
            raise TrainingRefused("unknown_entry", path, name)
    return found


def reset(path: Path, lang: str = "sv") -> int:
    """Throw away the practice work and build it anew; returns the number of follow-ups.

    Only a folder whose header says training: true is ever deleted from, only while no other
    program holds its lock, and only the entries of the known layout (anything else: refused)."""
    if not (path / HEADER_NAME).exists():
        return build(path, lang)  # a missing or empty folder; anything else is refused there
    if not is_training(path):
        raise TrainingRefused("not_training", path)
    lock = WorkspaceLock(path / "lock")
    try:
        lock.acquire()
    except WorkspaceLocked as err:
        who = ", ".join(f"{k} {err.holder[k]}" for k in ("user", "host", "pid") if k in err.holder)
        raise TrainingRefused("open", path, who or "?") from None
    try:
        if not is_training(path):  # checked again under the lock
            raise TrainingRefused("not_training", path)
        old = _contents(path)
        with _scratch(path) as new:
            count = _fill(new, lang)
            for entry in old:  # deepest first: a folder's files come before the folder
                if entry.is_dir():
                    entry.rmdir()
                else:
                    entry.unlink()
            # The header is replaced last, in one rename: at every moment the folder is marked as
            # training, so a reset cut short is simply run again.
            for entry in sorted(new.iterdir()):
                if entry.name not in (HEADER_NAME, "lock"):
                    entry.replace(path / entry.name)
            (new / HEADER_NAME).replace(path / HEADER_NAME)
            fsync_dir(path)
    finally:
        lock.release()
    return count


# --- what leaves a training workspace -----------------------------------------------------------


def banner(settings: WorkspaceSettings, lang: str) -> str | None:
    """The marking printed on whatever a training workspace produces; None for a real one."""
    return TRAINING_BANNER["en" if lang == "en" else "sv"] if settings.training else None


def mark_casefile(data: dict[str, Any], settings: WorkspaceSettings) -> dict[str, Any]:
    """An exported case file from a training workspace starts with `training: true`."""
    return {"training": True, **data} if settings.training else data


class _Named(Protocol):
    name: str
    casefile: CaseFile


def refused_imports(settings: WorkspaceSettings, sources: Iterable[_Named]) -> list[str]:
    """The names of training-marked case files, which a real workspace must not take in: practice
    work is never a record. A training workspace takes them."""
    if settings.training:
        return []
    return [s.name for s in sources if s.casefile.training]


def pdf_folder(documents: Path, settings: WorkspaceSettings | None) -> Path:
    """Where the app and quick mode put PDFs: training ones in a folder of their own."""
    folder = documents / "Uppföljning"
    return folder / "Övning" if settings is not None and settings.training else folder
