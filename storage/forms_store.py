"""The forms a workspace has installed: immutable versions, sealed like the cases, each install logged."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from forms.loader import FormError, bundled_form, installed_forms, parse_form
from forms.schema import FormDefinition
from forms.versions import Problem, canonical, compatibility, differences, fingerprint
from storage.atomic import TEMP_SUFFIX, clean_temp_files, fsync_dir
from storage.audit import AuditLog, exclusive
from storage.codec import Codec
from storage.errors import CorruptFile, NotFound, StorageError

FORMS_DIR = "forms"
_FILE = re.compile(r"([a-z][a-z0-9_-]{0,63})-v([1-9][0-9]{0,2})\.json")
MAX_INSTALLED = 1000  # versions of all forms together; a listing reads only names


class FormRefused(StorageError):
    """An install that would change an installed version or a code's meaning; nothing was written.
    `problems` holds one catalogue key and its arguments per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.key} {p.args}" for p in problems))
        self.problems = problems


def file_name(form_id: str, version: int) -> str:
    return f"{form_id}-v{version}.json"


class FormCatalogue(ABC):
    """What every form store answers alike (workspace or database): the ids and versions it holds
    beside the shipped forms, and the newest of one id; a store says only what it holds itself."""

    @abstractmethod
    def _stored(self) -> set[tuple[str, int]]:
        """The (id, version) pairs this store itself holds."""

    def versions(self) -> dict[str, list[int]]:
        """Every installed form id with its versions, the forms shipped with the program included."""
        out: dict[str, list[int]] = {}
        for fid, v in self._stored() | set(installed_forms()):
            out.setdefault(fid, []).append(v)
        return {fid: sorted(vs) for fid, vs in sorted(out.items())}

    def is_bundled(self, form_id: str, version: int) -> bool:
        return (form_id, version) in installed_forms()

    def newest(self, form_id: str) -> int:
        versions = self.versions().get(form_id) if isinstance(form_id, str) else None
        if not versions:
            raise NotFound(f"form {str(form_id)[:64]!r} is not installed")
        return versions[-1]


class FormStore(FormCatalogue):
    """Installed forms live in `forms/` as one sealed file per version, never rewritten: an install
    creates the file with a hard link that fails if it exists, under a lock every installer takes,
    so of many concurrent installs of one version exactly one writes and the rest compare."""

    def __init__(self, workspace_path: Path, codec: Codec, audit: AuditLog | None = None) -> None:
        self.folder = workspace_path / FORMS_DIR
        self.codec = codec
        self.audit = audit
        self._cache: dict[tuple[str, int], FormDefinition] = {}

    # --- reading --------------------------------------------------------------------------------

    def _stored(self) -> set[tuple[str, int]]:
        found: set[tuple[str, int]] = set()
        if not self.folder.is_dir():
            return found
        with os.scandir(self.folder) as entries:
            for entry in entries:
                m = _FILE.fullmatch(entry.name)
                if m is not None:
                    found.add((m.group(1), int(m.group(2))))
                    if len(found) > MAX_INSTALLED:
                        break
        return found

    def get(self, form_id: str, version: int | None = None) -> FormDefinition:
        """An installed form by id and version (the newest without one); NotFound if it is not.
        Looked up among the installed names, never built into a path from what a file says."""
        if version is None:
            version = self.newest(form_id)
        if not isinstance(form_id, str) or isinstance(version, bool) or not isinstance(version, int):
            raise NotFound(f"form {str(form_id)[:64]!r} version {str(version)[:8]} is not installed")
        if self.is_bundled(form_id, version):
            return bundled_form(form_id, version)
        key = (form_id, version)
        if key not in self._cache:
            if key not in self._stored():
                raise NotFound(f"form {form_id!r} version {version} is not installed")
            self._cache[key] = self._read(form_id, version)
        return self._cache[key]

    def _read(self, form_id: str, version: int) -> FormDefinition:
        name = file_name(form_id, version)
        path = self.folder / name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as f:
                stored = f.read(4_000_000)
            data = json.loads(self.codec.open(stored, name))
            form = parse_form(data)
        except FileNotFoundError:
            raise NotFound(f"form {form_id!r} version {version} is not installed") from None
        except (OSError, ValueError, FormError, StorageError, RecursionError):
            raise CorruptFile(f"{FORMS_DIR}/{name} is damaged and cannot be read") from None
        if (form.id, form.version) != (form_id, version):
            # A file renamed to pass for another version: refused, never used under the wrong name.
            raise CorruptFile(f"{FORMS_DIR}/{name} holds form {form.id!r} version {form.version}")
        return form

    # --- installing -----------------------------------------------------------------------------

    def install(self, form: FormDefinition) -> bool:
        """Install a form version; True if written, False if this exact content was installed already.
        FormRefused (nothing written) if the version holds other content or changes a code's meaning."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        if self.folder.is_symlink():
            raise CorruptFile(f"{self.folder} is a symbolic link; forms are not written through it")
        with exclusive(self.folder / ".lock"):
            clean_temp_files(self.folder)  # a killed install's leftovers; every installer holds this lock
            self._cache.clear()
            key = (form.id, form.version)
            if self.is_bundled(*key) or key in self._stored():
                existing = self.get(*key)
                if canonical(existing) == canonical(form):
                    if not self.is_bundled(*key):
                        self._log_if_missing(form)
                    return False
                head = Problem("form_version_taken", {"id": form.id, "version": form.version,
                                                      "bundled": self.is_bundled(*key)})
                raise FormRefused([head, *differences(existing, form)])
            problems: list[Problem] = []
            for version in self.versions().get(form.id, []):
                other = self.get(form.id, version)
                pair = (other, form) if version < form.version else (form, other)
                problems += compatibility(*pair)
            if problems:
                raise FormRefused(problems)
            self._write_new(file_name(*key), canonical(form))
            if self.audit is not None:
                self.audit.append("form_install", form=form.id, version=form.version,
                                  sha256=fingerprint(form)[:16])
            return True

    def _log_if_missing(self, form: FormDefinition) -> None:
        """An install killed between creating the file and logging it is logged by the next install
        of the same content, so every installed version has its entry."""
        if self.audit is None:
            return
        for entry in AuditLog(self.audit.path, "").entries():
            if entry.action == "form_install" and (entry.detail.get("form"), entry.detail.get("version")) == (
                form.id, form.version
            ):
                return
        self.audit.append("form_install", form=form.id, version=form.version,
                          sha256=fingerprint(form)[:16], recovered=True)

    def _write_new(self, name: str, plaintext: bytes) -> None:
        path = self.folder / name
        tmp = self.folder / f".{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        data = self.codec.seal(plaintext, name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            # link() never replaces: an installed version can only be created, never overwritten.
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:  # no hard links here (some network shares): the lock alone guards it
                if path.exists():
                    raise FileExistsError(path) from None
                tmp.replace(path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        fsync_dir(self.folder)


def describe(form: FormDefinition) -> dict[str, Any]:
    """What `forms list` shows of one version."""
    return {"id": form.id, "version": form.version, "title": form.title.sv,
            "questions": len(form.questions()), "sha256": fingerprint(form)[:16]}
