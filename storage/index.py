"""A rebuildable listing index: a cache of every case file's summaries, keyed by the file's stamp."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from interview.case import Case
from interview.followup import FollowUp
from storage.atomic import atomic_write
from storage.codec import Codec
from storage.errors import StorageError
from storage.repository import FollowUpSummary

INDEX_FORMAT = 2  # 2: entries carry the case number, so cases without follow-ups can be found
CaseReader = Callable[[Path], tuple[Case, list[FollowUp]]]


def stamp_of(stat: os.stat_result) -> list[int]:
    return [stat.st_mtime_ns, stat.st_size]


class CaseIndex:
    """Entries are trusted only while the file's (mtime, size) matches, so a stale or lost index
    heals itself on the next open and saves never have to touch it."""

    def __init__(self, path: Path, cases_dir: Path, codec: Codec) -> None:
        self.path = path
        self.cases_dir = cases_dir
        self.codec = codec
        self.entries: dict[str, dict[str, Any]] = {}
        self.damaged: list[str] = []
        self.dirty = False

    def load(self) -> None:
        try:
            data = json.loads(self.codec.open(self.path.read_bytes(), self.path.name))
            if data.get("format") == INDEX_FORMAT and isinstance(data.get("cases"), dict):
                self.entries = data["cases"]
                return
        except (OSError, ValueError, StorageError, AttributeError):
            pass
        self.entries, self.dirty = {}, True  # missing or unreadable: rebuild from the case files

    def refresh(self, read_case: CaseReader) -> None:
        """Re-read the case files whose stamp changed; drop entries of files that are gone."""
        seen: set[str] = set()
        self.damaged = []
        if self.cases_dir.is_dir():
            with os.scandir(self.cases_dir) as it:
                files = [e for e in it if e.name.endswith(".json") and not e.name.startswith(".")]
            for entry in files:
                case_id = entry.name[: -len(".json")]
                seen.add(case_id)
                stamp = stamp_of(entry.stat())
                cached = self.entries.get(case_id)
                if cached is not None and cached.get("stamp") == stamp:
                    continue
                try:
                    case, followups = read_case(Path(entry.path))
                except StorageError:
                    # Never overwritten, never silently dropped: reported and left for repair.
                    self.damaged.append(entry.name)
                    self.entries.pop(case_id, None)
                    continue
                self.put(case, followups, stamp)
        for case_id in set(self.entries) - seen:
            del self.entries[case_id]
            self.dirty = True

    def put(self, case: Case, followups: list[FollowUp], stamp: list[int]) -> None:
        self.entries[case.id] = {
            "stamp": stamp,
            "case_ref": case.client.case_ref,
            "followups": [FollowUpSummary.of(case, f).model_dump(mode="json") for f in followups],
        }
        self.dirty = True

    def restamp(self, case_id: str, stamp: list[int], patch: dict[str, Any] | None = None) -> None:
        """After this process wrote a case file: keep the entry valid, patching one follow-up."""
        entry = self.entries.get(case_id)
        if entry is None:
            return
        entry["stamp"] = stamp
        if patch:
            for summary in entry["followups"]:
                if summary["id"] == patch["id"]:
                    summary.update(patch)
        self.dirty = True

    def summaries(self) -> list[FollowUpSummary]:
        return [
            FollowUpSummary.model_validate(s)
            for entry in self.entries.values()
            for s in entry["followups"]
        ]

    def case_with_ref(self, case_ref: str) -> str | None:
        return next((cid for cid, e in self.entries.items() if e.get("case_ref") == case_ref), None)

    def followup_cases(self) -> dict[str, str]:
        return {s["id"]: cid for cid, e in self.entries.items() for s in e["followups"]}

    def save(self) -> None:
        if not self.dirty:
            return
        data = json.dumps({"format": INDEX_FORMAT, "cases": self.entries}, ensure_ascii=False)
        atomic_write(self.path, self.codec.seal(data.encode("utf-8"), self.path.name))
        self.dirty = False
