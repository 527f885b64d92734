"""The disk backend: one TinyDB file per case in the workspace, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, MutableMapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from tinydb import Query, TinyDB

from interview.case import Case, now
from interview.followup import Addendum, FollowUp, split_key
from storage.atomic import PREVIOUS_SUFFIX
from storage.audit import AuditLog
from storage.codec import Codec, PlainCodec
from storage.errors import Conflict, CorruptFile, FinalizedError, NotFound, RolledBack, StorageError
from storage.index import CaseIndex, stamp_of
from storage.integrity import Finding, compare, load_known, save_manifest
from storage.lock import WorkspaceLock
from storage.repository import SUMMARY_KEYS, CaseListing, FollowUpSummary, Repository, one_case
from storage.tinydb_storage import AtomicJSONStorage
from storage.workspace import Workspace

if TYPE_CHECKING:
    from forms.schema import FormDefinition
    from storage.forms_store import FormStore

CASE_TABLE = "case"
FOLLOWUP_TABLE = "followups"


def parse_case_data(data: Any, name: str) -> tuple[Case, list[FollowUp]]:
    """A case and its follow-ups from a case file's tables; CorruptFile if it is not one."""
    try:
        case = Case.model_validate(next(iter(data[CASE_TABLE].values())))
        followups = [FollowUp.model_validate(d) for d in data.get(FOLLOWUP_TABLE, {}).values()]
    except (KeyError, StopIteration, ValidationError, AttributeError, TypeError):
        raise CorruptFile(f"{name} is not a valid case file") from None
    return case, sorted(followups, key=lambda f: f.created_at)


def read_case_file(path: Path, codec: Codec) -> tuple[Case, list[FollowUp]]:
    case, followups, _ = read_case_file_gen(path, codec)
    return case, followups


def read_case_file_gen(path: Path, codec: Codec) -> tuple[Case, list[FollowUp], int]:
    """A case file's case, follow-ups and generation."""
    storage = AtomicJSONStorage(path, codec)
    data = storage.read()
    if data is None:
        raise NotFound(f"{path.name} is missing")
    return (*parse_case_data(data, path.name), storage.gen)


def derived_action(followups: list[FollowUp]) -> str:
    """For an audit entry recovered from a file: what its latest change most likely was."""
    if not followups:
        return "update_case"
    latest = max(followups, key=lambda f: f.updated_at)
    if latest.status == "final":
        return "correct" if latest.addenda else "finalize"
    return "save_answer"


def _rolled_back(case_id: str) -> RolledBack:
    return RolledBack(
        f"case {case_id} was rolled back or removed outside the program; it is neither shown nor "
        "changed until it is repaired (run 'uppfoljning doctor')"
    )


class TinyDBRepository(Repository):
    """Saving one answer reads and atomically rewrites only that case's small file, so its cost does
    not grow with the workspace. Writable instances hold the workspace lock."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        writable: bool = True,
        codec: Codec | None = None,
        durable: bool = True,
        audit: AuditLog | None = None,
        lock: WorkspaceLock | None = None,
    ) -> None:
        """`lock`: the workspace's lock, already held by the caller (taken before anything else is
        read, so a second program is told at once); the repository releases it on close."""
        self.workspace = workspace
        self.codec = codec or PlainCodec()
        self.durable = durable
        self.writable = writable
        self.audit = audit or workspace.audit_log(durable=durable, codec=self.codec)
        self._lock: WorkspaceLock | None = None
        if writable:
            self._lock = lock if lock is not None and lock.held else workspace.lock()
            if not self._lock.held:
                self._lock.acquire()
            workspace.clean()
        self._dbs: dict[str, TinyDB] = {}
        self._forms: FormStore | None = None
        # What is known is read before the files: a concurrent writer can then only make a file
        # look newer than known (never older), so a reader raises no false alarm.
        self.known = load_known(workspace.manifest_path, workspace.audit_path, self.codec)
        self.index = CaseIndex(workspace.index_path, workspace.cases_dir, self.codec)
        self.index.load()
        self.index.refresh(lambda p: read_case_file_gen(p, self.codec))
        self.findings: list[Finding] = []
        self._check_integrity()
        if writable and self.known.tail_changes:
            # Changes beyond the manifest (a session that did not close): recorded now, so the next
            # open of one case (storage.single) finds the index and the manifest in step again.
            self.known.dirty = self.index.dirty = True
        self._where = self.index.followup_cases()
        if writable:
            self.index.save()

    # --- integrity --------------------------------------------------------------------------

    def _check_integrity(self) -> None:
        files = self.index.generations()
        if self.writable:
            self._roll_forward_erasures(files)
            self._recover_entries(files)
        findings = compare(self.known, files, self.index.damaged)
        if any(f.kind == "missing" for f in findings):
            # An erasure may have landed between reading the log and listing the files.
            fresh = load_known(self.workspace.manifest_path, self.workspace.audit_path, self.codec)
            findings = compare(fresh, files, self.index.damaged)
        self.findings = findings
        self._blocked: dict[str, str] = {}  # follow-up id -> its case, for a clear refusal
        for f in findings:
            entry = self.index.entries.pop(f.case_id, None)  # not shown as if it were the record
            for row in (entry or {}).get("followups", []):
                self._blocked[row[0]] = f.case_id

    def _roll_forward_erasures(self, files: dict[str, int]) -> None:
        from storage.audit import entry_ok

        for case_id in sorted(self.known.erased & set(files)):
            line = self.known.erase_lines.get(case_id)
            # Only a genuine erase deletes anything: one the sealed manifest records, or a keyed
            # entry whose seal holds. A forged line deletes nothing.
            genuine = line is not None and entry_ok(line, self.codec.audit_key)
            if not (genuine or case_id in self.known.manifest_erased):
                continue
            self._delete_files(case_id)
            files.pop(case_id, None)
            self.index.entries.pop(case_id, None)
            self.index.dirty = True

    def _recover_entries(self, files: dict[str, int]) -> None:
        for case_id, gen in sorted(files.items()):
            known = self.known.gens.get(case_id)
            if known is None and gen == 0:
                self.known.gens[case_id] = 0  # a file from before generations: known from now on
                self.known.dirty = True
            elif gen > (known if known is not None else 0):
                # The file was written and the process died before its audit entry: add it now.
                try:
                    _, followups, _ = read_case_file_gen(self._path(case_id), self.codec)
                except StorageError:
                    continue
                action = "create" if known is None else derived_action(followups)
                self._log_change(action, case_id, gen, recovered=True)

    def _log_change(
        self, action: str, case_id: str, gen: int, followup: str | None = None, **detail: Any
    ) -> None:
        self.audit.append(action, case=case_id, followup=followup, gen=gen, **detail)
        self.known.gens[case_id] = gen
        self.known.last_action[case_id] = action
        self.known.seq, self.known.offset = self.audit.last_seq, self.audit.last_end
        self.known.dirty = True

    def _gen(self, case_id: str) -> int:
        db = self._dbs.get(case_id)
        storage = db.storage if db is not None else None
        return storage.gen if isinstance(storage, AtomicJSONStorage) else 0

    def _delete_files(self, case_id: str) -> None:
        from storage.atomic import fsync_dir

        path = self._path(case_id)
        db = self._dbs.pop(case_id, None)
        if db is not None:
            db.close()
        path.with_name(path.name + PREVIOUS_SUFFIX).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        fsync_dir(path.parent)
        # doctor's kept copies of this case go too (they are sealed, but erasure leaves nothing).
        keep = self.workspace.path / "damaged"
        if keep.is_dir() and not keep.is_symlink():
            for copy in keep.glob(f"{path.name}.*"):
                copy.unlink(missing_ok=True)
            fsync_dir(keep)
        # Crypto-shredding: its key leaves the case-key table, so no copy of the files, taken
        # before or after, opens with what the workspace holds. Keys of cases whose files are
        # gone (an erase interrupted before this step) are dropped with it.
        alive = {p.name.removesuffix(PREVIOUS_SUFFIX) for p in self.workspace.cases_dir.iterdir()}
        self.codec.forget_case(path.name, alive)

    @property
    def damaged(self) -> list[str]:
        return list(self.index.damaged)

    # --- files ------------------------------------------------------------------------------

    def _path(self, case_id: str) -> Path:
        return self.workspace.cases_dir / f"{case_id}.json"

    def _db(self, case_id: str) -> TinyDB:
        db = self._dbs.get(case_id)
        if db is None:
            if not self._path(case_id).exists():
                raise NotFound(f"no case with id '{case_id}'", key="err_no_case_id", id=case_id)
            db = TinyDB(
                self._path(case_id), storage=AtomicJSONStorage, codec=self.codec, durable=self.durable
            )
            self._dbs[case_id] = db
        return db

    def _writing(self, case_id: str | None = None) -> None:
        if not self.writable:
            raise StorageError("the workspace is open read-only", key="err_read_only")
        if case_id is not None and any(f.case_id == case_id for f in self.findings):
            raise _rolled_back(case_id)

    def _restamp(self, case_id: str, patch: dict[str, Any] | None = None) -> None:
        self.index.restamp(case_id, stamp_of(self._path(case_id).stat()), self._gen(case_id), patch)

    # --- cases ------------------------------------------------------------------------------

    def add_case(self, case: Case, followups: Sequence[FollowUp] = ()) -> None:
        self._writing()
        path = self._path(case.id)
        if path.exists():
            raise Conflict(f"case {case.id} already exists", key="err_case_exists", id=case.id)
        for fu in followups:
            self._check_new(fu, case.id)
        data = {
            CASE_TABLE: {"1": case.model_dump(mode="json")},
            FOLLOWUP_TABLE: {str(i): f.model_dump(mode="json") for i, f in enumerate(followups, 1)},
        }
        # One atomic write: the case and its first follow-ups exist together or not at all.
        # The file comes first, its audit entry second: a crash between them leaves a file ahead
        # of the log, which the next writable open records with a recovered entry.
        storage = AtomicJSONStorage(path, self.codec, self.durable)
        storage.write(data)
        self.index.put(case, list(followups), stamp_of(path.stat()), storage.gen)
        self._log_change("create", case.id, storage.gen)
        for fu in followups:
            self._where[fu.id] = case.id
            self._log_change("create", case.id, storage.gen, fu.id)

    def _check_new(self, fu: FollowUp, case_id: str) -> None:
        if fu.id in self._where:
            raise Conflict(f"follow-up {fu.id} already exists in the workspace",
                           key="err_followup_exists", id=fu.id)
        if fu.case_id != case_id:
            raise Conflict(f"follow-up {fu.id} belongs to another case", key="err_other_case", id=fu.id)

    def update_case(self, case: Case) -> None:
        self._writing(case.id)
        db = self._db(case.id)
        db.table(CASE_TABLE).update(case.model_dump(mode="json"), doc_ids=[1])
        self._log_change("update_case", case.id, self._gen(case.id))
        self.index.put(
            case, self.followups_of(case.id), stamp_of(self._path(case.id).stat()), self._gen(case.id)
        )

    def get_case(self, case_id: str) -> Case:
        doc = self._db(case_id).table(CASE_TABLE).get(doc_id=1)
        if doc is None:
            raise CorruptFile(f"{case_id}.json holds no case")
        return Case.model_validate(dict(doc))

    # --- follow-ups -------------------------------------------------------------------------

    def add_followup(self, followup: FollowUp) -> None:
        self._writing(followup.case_id)
        self._check_new(followup, followup.case_id)
        db = self._db(followup.case_id)
        db.table(FOLLOWUP_TABLE).insert(followup.model_dump(mode="json"))
        self._where[followup.id] = followup.case_id
        gen = self._gen(followup.case_id)
        self._log_change("create", followup.case_id, gen, followup.id)
        self.index.put(
            self.get_case(followup.case_id),
            self.followups_of(followup.case_id),
            stamp_of(self._path(followup.case_id).stat()),
            gen,
        )

    def _case_of(self, followup_id: str) -> str:
        try:
            return self._where[followup_id]
        except KeyError:
            if followup_id in self._blocked:
                raise _rolled_back(self._blocked[followup_id]) from None
            raise NotFound(f"no follow-up with id '{followup_id}'",
                           key="err_no_followup", id=followup_id) from None

    def get_followup(self, followup_id: str) -> FollowUp:
        case_id = self._case_of(followup_id)
        doc = self._db(case_id).table(FOLLOWUP_TABLE).get(Query().id == followup_id)
        if doc is None or isinstance(doc, list):
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        return FollowUp.model_validate(dict(doc))

    def followups_of(self, case_id: str) -> list[FollowUp]:
        docs = self._db(case_id).table(FOLLOWUP_TABLE).all()
        return sorted((FollowUp.model_validate(dict(d)) for d in docs), key=lambda f: f.created_at)

    def save_answer(self, followup_id: str, key: str, value: Any, at: datetime | None = None, *,
                    expected_version: int | None = None) -> None:
        case_id = self._case_of(followup_id)
        self._writing(case_id)
        stamp = (at or now()).isoformat()
        qid, gid = split_key(key)

        def apply(doc: MutableMapping[Any, Any]) -> None:
            # Raising here makes TinyDB skip the write: a final record is never touched.
            if doc.get("status") == "final":
                raise FinalizedError(f"follow-up {followup_id} is final and cannot change",
                                     key="err_final", id=followup_id)
            if gid is None:
                doc["answers"][qid] = value
            else:
                doc["goals"].setdefault(gid, {})[qid] = value
            doc["answered_at"][key] = stamp
            doc["updated_at"] = stamp

        self._db(case_id).table(FOLLOWUP_TABLE).update(apply, Query().id == followup_id)
        self._log_change("save_answer", case_id, self._gen(case_id), followup_id, key=key)
        patch: dict[str, Any] = {"id": followup_id, "updated_at": stamp}
        if gid is None and qid in SUMMARY_KEYS:
            patch[qid] = None if value is None else str(value)
        self._restamp(case_id, patch)

    def finalize(
        self,
        followup_id: str,
        by: str,
        at: datetime,
        answers: dict[str, Any],
        goals: dict[str, dict[str, Any]],
        *,
        expected_version: int | None = None,
    ) -> FollowUp:
        fu = self.get_followup(followup_id)
        self._writing(fu.case_id)
        if fu.status == "final":
            raise FinalizedError(f"follow-up {followup_id} is already final",
                                 key="err_already_final", id=followup_id)
        case_id = fu.case_id
        fu.make_final(by, at, answers, goals, self.get_case(case_id).client)
        self._db(case_id).table(FOLLOWUP_TABLE).update(fu.model_dump(mode="json"), Query().id == followup_id)
        self._restamp(case_id, FollowUpSummary.of(self.get_case(case_id), fu).model_dump(mode="json"))
        self._log_change("finalize", case_id, self._gen(case_id), followup_id)
        return fu

    def acknowledge_hint(self, followup_id: str, hint_key: str) -> None:
        case_id = self._case_of(followup_id)
        self._writing(case_id)

        def apply(doc: MutableMapping[Any, Any]) -> None:
            if doc.get("status") == "final":
                raise FinalizedError(f"follow-up {followup_id} is final and cannot change",
                                     key="err_final", id=followup_id)
            acknowledged = doc.setdefault("acknowledged_hints", [])
            if hint_key not in acknowledged:
                acknowledged.append(hint_key)

        self._db(case_id).table(FOLLOWUP_TABLE).update(apply, Query().id == followup_id)
        self._log_change("acknowledge_hint", case_id, self._gen(case_id), followup_id, hint=hint_key)
        self._restamp(case_id)

    def add_addendum(self, followup_id: str, addendum: Addendum) -> FollowUp:
        case_id = self._case_of(followup_id)
        self._writing(case_id)
        entry = addendum.model_dump(mode="json")

        def apply(doc: MutableMapping[Any, Any]) -> None:
            if doc.get("status") != "final":
                raise Conflict(f"follow-up {followup_id} is a draft: change it instead of correcting it",
                           key="err_draft_correct", id=followup_id)
            doc["addenda"].append(entry)

        self._db(case_id).table(FOLLOWUP_TABLE).update(apply, Query().id == followup_id)
        self._restamp(case_id)
        self._log_change("correct", case_id, self._gen(case_id), followup_id, kind=addendum.kind)
        return self.get_followup(followup_id)

    def erase_case(self, case_id: str) -> None:
        self._writing()
        path = self._path(case_id)
        if not path.exists():
            raise NotFound(f"no case with id '{case_id}'", key="err_no_case_id", id=case_id)
        # The entry first, then the files: a crash between leaves an erase entry whose file still
        # exists, and the next writable open finishes the erasure.
        self.audit.append("erase", case=case_id)
        self.known.erased.add(case_id)
        self.known.gens.pop(case_id, None)
        self.known.seq, self.known.offset = self.audit.last_seq, self.audit.last_end
        self.known.dirty = True
        for fid in [f for f, c in self._where.items() if c == case_id]:
            del self._where[fid]
        self._delete_files(case_id)
        self.index.entries.pop(case_id, None)
        self.index.dirty = True
        self.index.save()

    def log(
        self, action: str, *, case: str | None = None, followup: str | None = None, **detail: Any
    ) -> None:
        self.audit.append(action, case=case, followup=followup, **detail)

    def summaries(self) -> list[FollowUpSummary]:
        return self.index.summaries()

    def case_ids(self) -> list[str]:
        return sorted(self.index.entries)

    def listing(self) -> list[CaseListing]:
        return self.index.listing()

    def records(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        folder = str(self.workspace.cases_dir)
        for case_id in self.case_ids():
            name = f"{case_id}.json"
            # Plain reads: this runs over every file of a unit, so no per-file objects beyond the data.
            try:
                with open(os.path.join(folder, name), "rb") as f:  # noqa: PTH118, PTH123
                    data = json.loads(self.codec.open(f.read(), name))
            except (OSError, ValueError, StorageError):
                continue  # named by `damaged`, left alone; the report counts what can be read
            if not isinstance(data, dict):
                continue
            case = next(iter(data.get(CASE_TABLE, {}).values()), None)
            if case is not None:
                yield case, list(data.get(FOLLOWUP_TABLE, {}).values())

    def form_store(self) -> FormStore:
        from storage.forms_store import FormStore

        if self._forms is None:
            self._forms = FormStore(self.workspace.path, self.codec, self.audit)
        return self._forms

    def form(self, form_id: str, version: int | None = None) -> FormDefinition:
        return self.form_store().get(form_id, version)

    def default_form_id(self) -> str:
        return self.workspace.settings.default_form or "standard-uppfoljning"

    def default_form(self) -> FormDefinition:
        return self.form(self.default_form_id())

    def set_default_form(self, form_id: str) -> None:
        self.workspace.settings.default_form = form_id
        self.workspace.save_settings()
        self.log("form_default", form=form_id)

    def form_versions(self) -> dict[str, list[int]]:
        return self.form_store().versions()

    def find_case(self, case_ref: str) -> Case | None:
        # from the index: no need to open every case file; two cases of one number are refused
        ids = sorted(cid for cid, e in self.index.entries.items() if e["case"][0] == case_ref)
        return one_case(case_ref, [self.get_case(i) for i in ids])

    def close(self) -> None:
        if self.writable:
            self.index.save()
            self.audit.close()
            if self.known.dirty:
                with contextlib.suppress(OSError):
                    save_manifest(self.workspace.manifest_path, self.codec, self.known)
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
