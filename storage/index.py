"""A rebuildable listing index: a cache of every case file's summaries, keyed by the file's stamp."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from interview.case import Case
from interview.followup import FollowUp
from storage.atomic import atomic_write
from storage.codec import Codec
from storage.errors import StorageError
from storage.repository import CaseListing, FollowUpSummary, ListedFollowUp

# 3: compact rows; a unit's 10,000 follow-ups stay a few MB in memory (the app's budget)
# 4: the stamp holds ctime and inode too, and each entry the file's generation
INDEX_FORMAT = 4
ROW = ("id", "status", "meeting_date", "next_followup", "decision", "caseworker", "updated_at")


def _row(summary: dict[str, Any]) -> list[Any]:
    # Repeated values (status, decision) are interned so 10,000 rows share their strings.
    return [sys.intern(v) if isinstance(v, str) and len(v) < 20 else v for v in (summary[k] for k in ROW)]
CaseReader = Callable[[Path], tuple[Case, list[FollowUp], int]]


def stamp_of(stat: os.stat_result) -> list[int]:
    # ctime cannot be set back by a user (touch, cp -p, rsync -t set mtime only): a file copied
    # back over a case file always gets a new stamp, so it is re-read and its generation checked.
    return [stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns, stat.st_ino]


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
                    case, followups, gen = read_case(Path(entry.path))
                    if case.id != case_id:
                        raise StorageError(f"{entry.name} holds another case ({case.id})")
                except StorageError:
                    # Never overwritten, never silently dropped: reported and left for repair.
                    self.damaged.append(entry.name)
                    self.entries.pop(case_id, None)
                    continue
                self.put(case, followups, stamp, gen)
        for case_id in set(self.entries) - seen:
            del self.entries[case_id]
            self.dirty = True

    def put(self, case: Case, followups: list[FollowUp], stamp: list[int], gen: int) -> None:
        c = case.client
        self.entries[case.id] = {
            "stamp": stamp,
            "gen": gen,
            "case": [c.case_ref, c.name, c.unit, c.caseworker],
            "followups": [_row(FollowUpSummary.of(case, f).model_dump(mode="json")) for f in followups],
        }
        self.dirty = True

    def restamp(
        self, case_id: str, stamp: list[int], gen: int, patch: dict[str, Any] | None = None
    ) -> None:
        """After this process wrote a case file: keep the entry valid, patching one follow-up."""
        entry = self.entries.get(case_id)
        if entry is None:
            return
        entry["stamp"] = stamp
        entry["gen"] = gen
        if patch:
            for row in entry["followups"]:
                if row[0] == patch["id"]:
                    for key, value in patch.items():
                        if key in ROW:  # case-level fields live once per case, not per row
                            row[ROW.index(key)] = value
        self.dirty = True

    def summaries(self) -> list[FollowUpSummary]:
        return [
            FollowUpSummary.model_validate(self._summary(cid, entry, row))
            for cid, entry in self.entries.items()
            for row in entry["followups"]
        ]

    @staticmethod
    def _summary(case_id: str, entry: dict[str, Any], row: list[Any]) -> dict[str, Any]:
        case_ref, name, unit, caseworker = entry["case"]
        data = dict(zip(ROW, row, strict=True))
        return {**data, "case_id": case_id, "case_ref": case_ref, "name": name, "unit": unit,
                "caseworker": data["caseworker"] or caseworker}

    def listing(self) -> list[CaseListing]:
        """Every case with its follow-ups' key dates, straight from the cache: no validation."""
        out = []
        for cid, entry in self.entries.items():
            case_ref, name, unit, _ = entry["case"]
            rows = tuple(ListedFollowUp(r[0], r[1], r[2], r[3]) for r in entry["followups"])
            out.append(CaseListing(cid, case_ref, name or "", unit or "", rows))
        return out

    def case_with_ref(self, case_ref: str) -> str | None:
        return next((cid for cid, e in self.entries.items() if e["case"][0] == case_ref), None)

    def generations(self) -> dict[str, int]:
        return {cid: int(e.get("gen", 0)) for cid, e in self.entries.items()}

    def followup_cases(self) -> dict[str, str]:
        return {row[0]: cid for cid, e in self.entries.items() for row in e["followups"]}

    def save(self) -> None:
        if not self.dirty:
            return
        # One temporary at a time (text, then its bytes, then the sealed bytes): with 10,000 cases
        # each is megabytes, and they would otherwise all be alive at once at the session's end.
        data = json.dumps({"format": INDEX_FORMAT, "cases": self.entries}, ensure_ascii=False).encode()
        atomic_write(self.path, self.codec.seal(data, self.path.name))
        self.dirty = False
