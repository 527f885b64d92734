"""The forms installed in the shared database: the same store interface as a workspace's forms folder."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from psycopg.types.json import Jsonb

from forms.loader import FormError, bundled_form, installed_forms, parse_form
from forms.schema import FormDefinition
from forms.versions import Problem, canonical, compatibility, differences, fingerprint
from storage.errors import CorruptFile, NotFound
from storage.forms_store import FormCatalogue, FormRefused

if TYPE_CHECKING:
    from storage.postgres.repo import Cursor, PostgresRepository

# Every installer of any form takes this transaction-scoped lock first, so the checks against the
# other versions of a form and the insert are one step (advisory: needs no table privilege).
LOCK_KEY = 0x7570_666F_726D  # "upform"


class PostgresFormStore(FormCatalogue):
    """Reads and installs through the repository's connection; a version is written once (the
    table's primary key and triggers keep it so, whoever connects), every install audit-logged."""

    def __init__(self, repo: PostgresRepository) -> None:
        self.repo = repo
        self._cache: dict[tuple[str, int], FormDefinition] = {}

    def _stored(self) -> set[tuple[str, int]]:
        rows = self.repo._tx(lambda cur: cur.execute(b"SELECT id, version FROM uppfoljning.forms").fetchall())
        return {(str(r[0]), int(r[1])) for r in rows}

    def get(self, form_id: str, version: int | None = None) -> FormDefinition:
        """An installed form by id and version (the newest without one); NotFound if it is not."""
        if version is None:
            version = self.newest(form_id)
        if not isinstance(form_id, str) or isinstance(version, bool) or not isinstance(version, int):
            raise NotFound(f"form {str(form_id)[:64]!r} version {str(version)[:8]} is not installed")
        if self.is_bundled(form_id, version):
            return bundled_form(form_id, version)
        key = (form_id, version)
        if key not in self._cache:
            row = self.repo._tx(lambda cur: cur.execute(
                b"SELECT content, fingerprint FROM uppfoljning.forms WHERE id = %s AND version = %s",
                key).fetchone())
            if row is None:
                raise NotFound(f"form {form_id!r} version {version} is not installed")
            self._cache[key] = _parse(row[0], row[1], key)
        return self._cache[key]

    def install(self, form: FormDefinition) -> bool:
        """Install a form version; True if written, False if this exact content was installed already.
        FormRefused (nothing written) if the version holds other content or changes a code's meaning."""
        return self.repo._tx(lambda cur: self.install_in(cur, form))

    def install_in(self, cur: Cursor, form: FormDefinition) -> bool:
        """`install` inside the caller's transaction (a workspace's move installs its forms with its
        cases, all or nothing)."""
        key = (form.id, form.version)
        cur.execute(b"SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        rows = cur.execute(b"SELECT version, content, fingerprint FROM uppfoljning.forms WHERE id = %s",
                           (form.id,)).fetchall()
        stored = {int(r[0]): _parse(r[1], r[2], (form.id, int(r[0]))) for r in rows}
        for v in installed_forms():
            if v[0] == form.id:
                stored[v[1]] = bundled_form(*v)
        if form.version in stored:
            existing = stored[form.version]
            if canonical(existing) == canonical(form):
                return False
            head = Problem("form_version_taken", {"id": form.id, "version": form.version,
                                                  "bundled": self.is_bundled(*key)})
            raise FormRefused([head, *differences(existing, form)])
        problems: list[Problem] = []
        for version, other in sorted(stored.items()):
            pair = (other, form) if version < form.version else (form, other)
            problems += compatibility(*pair)
        if problems:
            raise FormRefused(problems)
        digest = fingerprint(form)
        cur.execute(b"INSERT INTO uppfoljning.forms (id, version, content, fingerprint) "
                    b"VALUES (%s, %s, %s, %s)",
                    (form.id, form.version, Jsonb(json.loads(canonical(form))), digest))
        self.repo._audit(cur, "form_install", form=form.id, version=form.version, sha256=digest[:16])
        self._cache.pop(key, None)
        return True


def _parse(content: Any, digest: str, key: tuple[str, int]) -> FormDefinition:
    """A stored form, checked against its fingerprint and its row's id and version."""
    name = f"{key[0]}-v{key[1]}"
    try:
        form = parse_form(content)
    except (FormError, ValueError, RecursionError):
        raise CorruptFile(f"form {name} in the database cannot be read") from None
    if (form.id, form.version) != key or fingerprint(form) != digest:
        raise CorruptFile(f"form {name} in the database does not match its fingerprint")
    return form
