"""The training workspace: built from the shipped practice cases, never mixed with a real one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from forms.training_data import practice_files
from interview.case import Case
from interview.casefile import load_text, parse_casefile
from storage.errors import StorageError
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings

BANNER = {"sv": "ÖVNING – fiktiva uppgifter", "en": "TRAINING – fictitious data"}


def is_training(path: Path) -> bool:
    try:
        return bool(json.loads((path / "workspace.json").read_text(encoding="utf-8")).get("training"))
    except (OSError, ValueError, AttributeError):
        return False


def build(path: Path, lang: str = "sv") -> int:
    """Create the training workspace from the practice cases; returns the number of follow-ups."""
    settings = WorkspaceSettings(
        organisation="Övningskommunen",
        unit="Övningsenheten",
        caseworker="Övningshandläggare",
        lang=lang,
        training=True,
    )
    ws = Workspace.create(path, settings)  # fictitious data only: no passphrase to remember
    repo = TinyDBRepository(ws)
    count = 0
    try:
        for _name, text in practice_files():
            # The practice dates lie in the past of the day they were written; they stay valid later.
            cf = parse_casefile(load_text(text), lang=lang)
            case = repo.find_case(cf.client.case_ref)
            if case is None:
                case = Case(client=cf.client, plan=cf.plan)
                repo.add_case(case, [cf.followup.model_copy(update={"case_id": case.id})])
            else:
                repo.add_followup(cf.followup.model_copy(update={"case_id": case.id}))
            count += 1
    finally:
        repo.close()
    return count


def reset(path: Path, lang: str = "sv") -> int:
    """Throw away the practice work and build the workspace anew — only ever a training workspace."""
    if (path / "workspace.json").exists() and not is_training(path):
        raise StorageError(f"{path} is not a training workspace; it was left as it is")
    if path.exists():
        shutil.rmtree(path)
    return build(path, lang)


def ensure(path: Path, lang: str = "sv") -> None:
    if not (path / "workspace.json").exists():
        build(path, lang)
    elif not is_training(path):
        raise StorageError(f"{path} is not a training workspace")
