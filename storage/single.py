"""Opening the one case a case number names, without reading the whole workspace: `quick --case REF`.

The full open (TinyDBRepository) reads the index of every case, checks every file's stamp and holds the
case-key table; for one case with 10,000 stored that is most of the quick mode's start and memory. Here
only what that one case needs is read, and every check the full open makes on that case is made the same
way. Whenever anything is not plainly in order this declines (returns None) and the caller makes the full
open, which then decides exactly as it always did: a rolled-back, removed, tampered, unreadable, erased or
unknown case, a case number two cases carry or none does, a session that did not close cleanly.

Why the index can be trusted to name the case without checking every file's stamp: every program write
is followed, in the same session, by the index and then the manifest being saved; a session that did not
get that far leaves change entries in the audit log beyond the manifest (`tail_changes`), and this then
declines. Files added or removed outside the program are seen by comparing the index's case ids with the
folder's names. A file changed in place outside the program can only be an old generation of itself
(the files are sealed): for the case opened here that is the rollback check below; another case's old
file is blocked by the full open too, so it never counts as a second case with the number.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from interview.case import Case
from interview.followup import FollowUp
from storage.codec import Codec
from storage.errors import StorageError
from storage.index import INDEX_FORMAT, CaseIndex, stamp_of
from storage.integrity import load_known
from storage.lock import WorkspaceLock
from storage.tinydb_repo import TinyDBRepository, read_case_file_gen
from storage.workspace import Workspace

_HEAD = b'{"format": %d, "cases": {' % INDEX_FORMAT
_ENTRY = b': {"stamp": ['  # cannot occur inside a JSON string: a quote there is escaped
_ID = re.compile(rb"[0-9A-Za-z_-]{1,64}")
_LABEL = re.compile(rb'"case": \[("(?:[^"\\]|\\.)*"), (null|"(?:[^"\\]|\\.)*"), ')
_ROW = re.compile(rb': \{"stamp": \[\d+, \d+, \d+, \d+\], "gen": \d+, "case": \[')


def _index(workspace: Workspace, codec: Codec) -> tuple[bytes, int] | None:
    """The index's text and its number of cases, if it names exactly the case files there are."""
    try:
        text = codec.open(workspace.index_path.read_bytes(), workspace.index_path.name)
        names = os.listdir(workspace.cases_dir)  # noqa: PTH208 - names only: no Path per file
    except (OSError, StorageError):
        return None
    if not text.startswith(_HEAD):
        return None  # another format or layout: the full open rebuilds it
    ids: set[bytes] = set()
    at = text.find(_ENTRY)
    while at >= 0:
        ids.add(text[text.rfind(b'"', 0, at - 1) + 1 : at - 1])
        at = text.find(_ENTRY, at + 1)
    files = {n[: -len(".json")].encode() for n in names if n.endswith(".json") and not n.startswith(".")}
    if ids != files:
        return None  # a file added or removed since the index was saved
    return text, len(ids)


def case_labels(workspace: Workspace, codec: Codec) -> list[tuple[str, str]] | None:
    """Every case's number and name for the case question's completion, read from the index without
    building it; None when the index is not known to be in step (the full open lists them then)."""
    found = _index(workspace, codec)
    known = load_known(workspace.manifest_path, workspace.audit_path, codec)
    if found is None or not known.from_manifest or not known.manifest_ok or known.tail_changes:
        return None
    text, count = found
    out = []
    for m in _LABEL.finditer(text):
        name = json.loads(m[2])
        out.append((json.loads(m[1]), name if isinstance(name, str) else ""))
    return out if len(out) == count else None


def locate(workspace: Workspace, codec: Codec, case_ref: str) -> str | None:
    """The id of the one case whose number is exactly `case_ref`, read from the index without
    building it; None when the index cannot say so on its own (the full open decides then)."""
    found = _index(workspace, codec)
    if found is None:
        return None
    text = found[0]
    needle = b'"case": [' + json.dumps(case_ref, ensure_ascii=False).encode() + b", "
    hits = []
    at = text.find(needle)
    while at >= 0:
        hits.append(at)
        at = text.find(needle, at + 1)
    if len(hits) != 1:
        return None  # no case has that number, or two do: the full open asks
    end = hits[0] + len(b'"case": [')
    start = text.rfind(_ENTRY, 0, end)
    row = _ROW.match(text, start)
    case_id = text[text.rfind(b'"', 0, start - 1) + 1 : start - 1]
    if start < 0 or row is None or row.end() != end or not _ID.fullmatch(case_id):
        return None
    return case_id.decode("ascii")


class _OneCaseIndex(CaseIndex):
    """The index of the one case opened. Never saved: it would replace the whole workspace's index;
    the real index's entry for this case is re-read from its file by the next full open."""

    def save(self) -> None:
        self.dirty = False


class OneCaseRepository(TinyDBRepository):
    """A writable repository over one case, with the same rollback and integrity checks on it as the
    full open; listing() and the like know only this case. Made by open_one()."""

    def __init__(
        self, workspace: Workspace, codec: Codec, lock: WorkspaceLock, case_id: str, case_ref: str
    ) -> None:
        # Deliberately not TinyDBRepository.__init__: that reads every case's index entry.
        self.workspace, self.codec, self.durable, self.writable = workspace, codec, True, True
        self.audit = workspace.audit_log(durable=True, codec=codec)
        self._lock = lock
        self._dbs = {}
        self._forms = None
        self.findings, self._blocked = [], {}
        self.known = load_known(workspace.manifest_path, workspace.audit_path, codec)
        self.index = _OneCaseIndex(workspace.index_path, workspace.cases_dir, codec)
        self.case_id, self.case_ref = case_id, case_ref
        self._where = {}

    def check(self) -> bool:
        """Whether the case's file is exactly what the sealed record says it is (else the full open)."""
        known = self.known
        expected = known.gens.get(self.case_id)
        if (not known.from_manifest or not known.manifest_ok or known.tail_changes
                or self.case_id in known.erased or expected is None):
            return False
        path = self._path(self.case_id)
        try:
            case, followups, gen = read_case_file_gen(path, self.codec)
            stamp = stamp_of(path.stat())
        except (OSError, StorageError):
            return False  # unreadable or tampered: the full open names it damaged
        if case.id != self.case_id or case.client.case_ref != self.case_ref or gen != expected:
            return False  # another case inside, or rolled back (behind) / written without its entry
        self._take(case, followups, stamp, gen)
        return True

    def _take(self, case: Case, followups: list[FollowUp], stamp: list[int], gen: int) -> None:
        self.index.put(case, followups, stamp, gen)
        self._where = self.index.followup_cases()

    def add_case(self, case: Case, followups: Any = ()) -> None:
        raise StorageError("one case is open here; a new case needs the whole workspace",
                           key="err_read_only")

    def erase_case(self, case_id: str) -> None:
        raise StorageError("one case is open here; erasing needs the whole workspace", key="err_read_only")


def open_one(
    workspace: Workspace, codec: Codec, lock: WorkspaceLock, case_ref: str
) -> OneCaseRepository | None:
    """The case numbered exactly `case_ref`, opened alone; None: open the whole workspace instead.
    The lock is held by the caller and is released by the repository's close()."""
    case_id = locate(workspace, codec, case_ref)
    if case_id is None:
        return None
    keys = getattr(codec, "case_keys", None)
    if keys is not None:
        keys.lazy = True  # the case's own key, not the table of 10,000
    repo = OneCaseRepository(workspace, codec, lock, case_id, case_ref)
    if repo.check():
        workspace.clean()
        return repo
    if keys is not None:
        keys.lazy = False
        keys.found.clear()
        keys.newest.clear()
    return None
