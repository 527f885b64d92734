"""Schema administration: group roles, versioned migrations, and granting logins a role in a unit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from storage.errors import StorageError

if TYPE_CHECKING:
    import psycopg

SCHEMA = "uppfoljning"
OWNER = "uppfoljning_owner"
ROLES = ("caseworker", "supervisor", "analyst", "admin")
GROUPS = tuple(f"uppfoljning_{r}" for r in ROLES)
LOCK_KEY = 0x75707066  # the advisory lock that keeps two upgrades from running at once


class AdminError(StorageError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass
class Status:
    applied: list[tuple[int, str]] = field(default_factory=list)
    pending: list[tuple[int, str]] = field(default_factory=list)
    changed: list[tuple[int, str]] = field(default_factory=list)  # applied, but the file differs now
    login: str = ""
    role: str | None = None
    units: list[str] = field(default_factory=list)
    server: str = ""


def migrations() -> list[Migration]:
    """The migrations shipped in the package, in order."""
    found = []
    for item in resources.files("storage.postgres").joinpath("migrations").iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append(Migration(int(name[:4]), name[:-4], item.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def _ident(conn: psycopg.Connection[Any], name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(conn)


def _applied(conn: psycopg.Connection[Any]) -> dict[int, tuple[str, str]]:
    row = conn.execute("SELECT to_regclass('uppfoljning.schema_migrations')").fetchone()
    if row is None or row[0] is None:
        return {}
    rows = conn.execute("SELECT version, name, checksum FROM uppfoljning.schema_migrations").fetchall()
    return {int(v): (str(n), str(c)) for v, n, c in rows}


def create_roles(conn: psycopg.Connection[Any]) -> None:
    """The NOLOGIN owner and group roles (cluster-wide, so kept if they exist already)."""
    for role in (OWNER, *GROUPS):
        conn.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) THEN "
            f"CREATE ROLE {_ident(conn, role)} NOLOGIN; END IF; END $$".replace("%s", _lit(role))
        )
    # Admins give logins their group roles; nobody logs in as the owner.
    for group in GROUPS[:-1]:  # an admin never makes admins: that stays with the superuser
        conn.execute(f"GRANT {_ident(conn, group)} TO uppfoljning_admin WITH ADMIN OPTION")


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def upgrade(conn: psycopg.Connection[Any], *, init: bool = False) -> list[str]:
    """Apply every pending migration, each in its own transaction; the names applied."""
    import psycopg

    done: list[str] = []
    try:
        with conn.transaction():
            if init:
                create_roles(conn)
                db = conn.execute("SELECT current_database()").fetchone()
                conn.execute(f"GRANT CREATE, CONNECT ON DATABASE {_ident(conn, str(db[0]) if db else '')} "
                             f"TO {OWNER}")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            has_schema = conn.execute("SELECT to_regnamespace('uppfoljning')").fetchone()
            if not has_schema or has_schema[0] is None:
                if not init:
                    raise AdminError("the database has no uppfoljning schema; run 'uppfoljning db init'")
                conn.execute(f"CREATE SCHEMA {SCHEMA} AUTHORIZATION {OWNER}")
                conn.execute(f"SET LOCAL ROLE {OWNER}")
                conn.execute(
                    "CREATE TABLE uppfoljning.schema_migrations (version integer PRIMARY KEY, name text "
                    "NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
                    "applied_by name NOT NULL DEFAULT session_user)"
                )
        for m in migrations():
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                if m.version in _applied(conn):
                    continue
                conn.execute(f"SET LOCAL ROLE {OWNER}")
                conn.execute("SET LOCAL search_path = uppfoljning, pg_temp")
                conn.execute(m.sql.encode("utf-8"))  # bytes: no client-side parameter parsing
                conn.execute("INSERT INTO uppfoljning.schema_migrations (version, name, checksum) "
                             "VALUES (%s, %s, %s)", (m.version, m.name, m.checksum))
                done.append(m.name)
        with conn.transaction():
            conn.execute(f"SET LOCAL ROLE {OWNER}")
            _refresh_coded_questions(conn)
            _refresh_required_questions(conn)
            _refresh_bundled_forms(conn)
            refresh_report_codes(conn)
    except psycopg.errors.InsufficientPrivilege as err:
        raise AdminError(f"not allowed: {err.diag.message_primary}; run db init and db upgrade as "
                         "the database's superuser (for example over peer authentication as postgres)"
                         ) from None
    return done


def _refresh_coded_questions(conn: psycopg.Connection[Any]) -> None:
    """Which answers are codes, from the bundled forms: the analyst's view shows only those."""
    from forms.loader import bundled_form

    keys = sorted({q.id for _, q in bundled_form().questions() if q.type != "text"})
    conn.execute("DELETE FROM uppfoljning.coded_questions")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO uppfoljning.coded_questions (key) VALUES (%s)", [(k,) for k in keys])


def _refresh_required_questions(conn: psycopg.Connection[Any]) -> None:
    """The questions a draft must have answered to be submitted for review: required and always
    asked (no condition), outside the per-goal sections (the program checks the rest)."""
    from forms.loader import bundled_form

    if conn.execute("SELECT to_regclass('uppfoljning.required_questions')").fetchone() in (None, (None,)):
        return
    keys = sorted({q.id for s, q in bundled_form().questions()
                   if not s.per_goal and q.required is True and q.when is None})
    conn.execute("DELETE FROM uppfoljning.required_questions")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO uppfoljning.required_questions (key) VALUES (%s)", [(k,) for k in keys])


def _refresh_bundled_forms(conn: psycopg.Connection[Any]) -> None:
    """The forms shipped with the package, as their canonical JSON: the server checks a follow-up
    submitted for review against its own form, installed (forms) or shipped (bundled_forms)."""
    import json

    from psycopg.types.json import Jsonb

    from forms.loader import bundled_form, installed_forms
    from forms.versions import canonical

    if conn.execute("SELECT to_regclass('uppfoljning.bundled_forms')").fetchone() in (None, (None,)):
        return
    rows = [(f, v, Jsonb(json.loads(canonical(bundled_form(f, v))))) for f, v in sorted(installed_forms())]
    conn.execute("DELETE FROM uppfoljning.bundled_forms")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO uppfoljning.bundled_forms (id, version, content) VALUES (%s, %s, %s)",
                        rows)


def set_unit(conn: psycopg.Connection[Any], unit: str, *, review: bool | None = None,
             training: bool | None = None) -> None:
    """A unit's settings (an admin's or the superuser's): whether follow-ups there need a supervisor's
    approval before they are signed, and whether it is a training unit. Creates the unit if new."""
    import psycopg

    _need_schema(conn)
    try:
        with conn.transaction():
            conn.execute("INSERT INTO uppfoljning.units (code) VALUES (%s) ON CONFLICT DO NOTHING", (unit,))
            conn.execute("UPDATE uppfoljning.units SET review_required = coalesce(%s, review_required), "
                         "training = coalesce(%s, training) WHERE code = %s", (review, training, unit))
            conn.execute("INSERT INTO uppfoljning.audit (action, detail) VALUES ('unit_settings', %s)",
                         (_json({"unit": unit, "review_required": review, "training": training}),))
    except psycopg.errors.InsufficientPrivilege as err:
        raise AdminError(f"not allowed: {err.diag.message_primary}") from None


def refresh_report_codes(conn: psycopg.Connection[Any]) -> int:
    """The installed standard form versions' choice codes and their tally slots (appended, never
    renumbered); when they changed, or follow-ups lack their coded rows (the backfill after migration
    0002), every follow-up is counted again. The follow-ups recounted (0 when nothing changed). Runs
    as the owner inside the caller's transaction."""
    from forms.loader import STANDARD_FORM_ID, bundled_form, installed_forms
    from reporting.compile import choice_questions

    if conn.execute("SELECT to_regclass('uppfoljning.tally_slots')").fetchone() in (None, (None,)):
        return 0
    codes = sorted({(v, q.id, c.code) for f, v in installed_forms() if f == STANDARD_FORM_ID
                    for q in choice_questions(bundled_form(f, v)) for c in q.choices})
    wanted = sorted({(None, q, c) for _, q, c in codes} | {(v, q, None) for v, q, _ in codes},
                    key=lambda s: (s[0] or 0, s[1], s[2] or ""))
    conn.execute("LOCK TABLE uppfoljning.tally_slots IN EXCLUSIVE MODE")
    have = {(v, q, c) for v, q, c in conn.execute(
        "SELECT form_version, question, code FROM uppfoljning.tally_slots").fetchall()}
    old = set(conn.execute("SELECT form_version, question, code FROM uppfoljning.report_codes").fetchall())
    new = [s for s in wanted if s not in have]
    missing = conn.execute(  # follow-ups stored before migration 0002: the backfill
        "SELECT EXISTS (SELECT 1 FROM uppfoljning.followups f WHERE NOT EXISTS "
        "(SELECT 1 FROM uppfoljning.followup_codes c WHERE c.followup_id = f.id))").fetchone()
    if not new and old == set(codes) and not (missing and missing[0]):
        return 0
    top = conn.execute("SELECT coalesce(max(slot) + 1, 0) FROM uppfoljning.tally_slots").fetchone()
    first = int(top[0]) if top else 0
    with conn.cursor() as cur:
        cur.execute("DELETE FROM uppfoljning.report_codes")
        cur.executemany("INSERT INTO uppfoljning.report_codes (form_version, question, code) "
                        "VALUES (%s, %s, %s)", codes)
        cur.executemany("INSERT INTO uppfoljning.tally_slots (slot, form_version, question, code) "
                        "VALUES (%s, %s, %s, %s)",
                        [(first + i, *s) for i, s in enumerate(new)])
    row = conn.execute("SELECT uppfoljning.rebuild_report_codes()").fetchone()
    return int(row[0]) if row else 0


def status(conn: psycopg.Connection[Any]) -> Status:
    applied = _applied(conn)
    out = Status()
    for m in migrations():
        if m.version in applied:
            out.applied.append((m.version, m.name))
            if applied[m.version][1] != m.checksum:
                out.changed.append((m.version, m.name))
        else:
            out.pending.append((m.version, m.name))
    row = conn.execute("SELECT session_user, current_setting('server_version')").fetchone()
    out.login, out.server = (str(row[0]), str(row[1])) if row else ("", "")
    if applied:
        me = conn.execute("SELECT role, units FROM uppfoljning.staff WHERE login = session_user").fetchone()
        if me is not None:
            out.role, out.units = str(me[0]), list(me[1])
    return out


def grant(conn: psycopg.Connection[Any], login: str, role: str, unit: str, name: str | None) -> None:
    """Give a login one role in a unit (added to its units); creates the unit if new."""
    import psycopg

    if role not in ROLES:
        raise AdminError(f"unknown role '{role}'; choose one of {', '.join(ROLES)}")
    _need_schema(conn)
    try:
        with conn.transaction():
            exists = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                                  (login,)).fetchone()
            if exists is None:
                raise AdminError(f"there is no database login '{login}'; create it first (CREATE ROLE "
                                 f"{login} LOGIN) with the authentication your server uses")
            if not exists[0] or login.startswith("uppfoljning_"):
                raise AdminError(f"'{login}' is not a login role")
            for group in _groups_of(conn, login):  # one role per login: the old one goes
                if group != f"uppfoljning_{role}":
                    conn.execute(f"REVOKE {_ident(conn, group)} FROM {_ident(conn, login)}")
            conn.execute(f"GRANT {_ident(conn, 'uppfoljning_' + role)} TO {_ident(conn, login)}")
            conn.execute("INSERT INTO uppfoljning.units (code) VALUES (%s) ON CONFLICT DO NOTHING",
                         (unit,))
            conn.execute(
                "INSERT INTO uppfoljning.staff AS s (login, display_name, role, units) "
                "VALUES (%s, %s, %s, ARRAY[%s::text]) "
                "ON CONFLICT (login) DO UPDATE SET role = EXCLUDED.role, "
                "display_name = coalesce(%s, s.display_name), "
                "units = CASE WHEN %s::text = ANY (s.units) THEN s.units "
                "ELSE array_append(s.units, %s::text) END",
                (login, name or login, role, unit, name, unit, unit),
            )
            conn.execute("INSERT INTO uppfoljning.audit (action, detail) VALUES ('grant', %s)",
                         (_json({"login": login, "role": role, "unit": unit}),))
    except psycopg.errors.InsufficientPrivilege as err:
        raise AdminError(f"not allowed: {err.diag.message_primary}") from None


def revoke(conn: psycopg.Connection[Any], login: str, unit: str | None) -> bool:
    """Take a unit from a login, or (without a unit) all access; False if it had none."""
    import psycopg

    _need_schema(conn)
    try:
        with conn.transaction():
            row = conn.execute("SELECT units FROM uppfoljning.staff WHERE login = %s", (login,)).fetchone()
            if row is None:
                return False
            left = [u for u in row[0] if u != unit] if unit else []
            if unit and unit not in row[0]:
                return False
            if left:
                conn.execute("UPDATE uppfoljning.staff SET units = %s WHERE login = %s", (left, login))
            else:
                conn.execute("DELETE FROM uppfoljning.staff WHERE login = %s", (login,))
                for group in _groups_of(conn, login):
                    conn.execute(f"REVOKE {_ident(conn, group)} FROM {_ident(conn, login)}")
            conn.execute("INSERT INTO uppfoljning.audit (action, detail) VALUES ('revoke', %s)",
                         (_json({"login": login, "unit": unit}),))
    except psycopg.errors.InsufficientPrivilege as err:
        raise AdminError(f"not allowed: {err.diag.message_primary}") from None
    return True


def _groups_of(conn: psycopg.Connection[Any], login: str) -> list[str]:
    rows = conn.execute(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s AND g.rolname = ANY (%s)",
        (login, list(GROUPS)),
    ).fetchall()
    return [str(r[0]) for r in rows]


def _need_schema(conn: psycopg.Connection[Any]) -> None:
    if not _applied(conn):
        raise AdminError("the database has no uppfoljning schema; run 'uppfoljning db init'")


def _json(value: dict[str, Any]) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)
